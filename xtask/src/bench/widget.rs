//! The widget's tables: download size, time to first QR, QR encoding, idle cost, calls to Z-API.

use super::report::{kb, ratio, spread, Report};
use super::stats::median;
use super::{BASELINE, WIDGET};
use std::fmt::Write as _;

pub(super) fn size_table(r: &mut Report) {
    r.line("\n### 1. Download size\n");
    r.line(
        "Every file the browser fetches for the element: for zapi-connect the wasm and \
         `index.js` (the element bundled with wasm-bindgen's glue) from the packed npm bundle; for the baseline its \
         esbuild bundle (`bench/baseline-js`, lit + qrcode, minified). gzip level 9 and brotli \
         quality 11, node's zlib.\n",
    );
    r.line("| bytes | zapi-connect | baseline (lit + qrcode) | ratio |\n|---|---:|---:|---:|");
    for kind in ["raw", "gzip", "brotli"] {
        let ours = r.median(&format!("size.{WIDGET}.{kind}"));
        let theirs = r.median(&format!("size.{BASELINE}.{kind}"));
        r.line(&format!(
            "| {kind} | {} ({ours:.0} B) | {} ({theirs:.0} B) | {} |",
            kb(ours),
            kb(theirs),
            ratio(ours, theirs)
        ));
    }
    let mut files = String::new();
    let prefix = format!("size.{WIDGET}.file.");
    for (key, values) in r.results.range(prefix.clone()..) {
        let Some(rest) = key.strip_prefix(&prefix) else {
            break;
        };
        if let Some(file) = rest.strip_suffix(".brotli") {
            let _ = write!(files, "`{file}` {}, ", kb(values[0]));
        }
    }
    r.line(&format!(
        "\nzapi-connect brotli by file: {}.",
        files.trim_end_matches(", ")
    ));
    let ours = r.median(&format!("size.{WIDGET}.brotli"));
    let theirs = r.median(&format!("size.{BASELINE}.brotli"));
    r.target(
        "download ≤ 40 KB brotli",
        format!("{} ({} of the baseline)", kb(ours), ratio(ours, theirs)),
        ours <= 40.0 * 1024.0,
    );
}

pub(super) fn time_to_qr_table(r: &mut Report) {
    let n = r.get(&format!("ttq.cold.{WIDGET}")).map_or(0, |s| s.n);
    r.line("\n### 2. Time to first scannable QR\n");
    r.line(&format!(
        "Milliseconds from inserting the element (its module not yet imported) to its QR's \
         `<svg>` in the shadow DOM: module fetch and compile, `/status` and `/qr-code` through \
         zapi-relay to zapi-sim (release builds, loopback), encoding and rendering. Headless \
         Chromium; {n} loads each, elements alternating, simulator reset before each load. \
         Cold: a new browser context per load (empty cache). Warm: one context, page reloaded, \
         module and wasm from the HTTP cache (first load not counted).\n"
    ));
    r.line("| cache | zapi-connect, ms | baseline, ms | ratio of medians |\n|---|---:|---:|---:|");
    let mut worst = 0.0f64;
    for cache in ["cold", "warm"] {
        let ours = r.get(&format!("ttq.{cache}.{WIDGET}"));
        let theirs = r.get(&format!("ttq.{cache}.{BASELINE}"));
        let (a, b) = (
            r.median(&format!("ttq.{cache}.{WIDGET}")),
            r.median(&format!("ttq.{cache}.{BASELINE}")),
        );
        worst = worst.max(a / b);
        r.line(&format!(
            "| {cache} | {} | {} | {} |",
            spread(ours, 1),
            spread(theirs, 1),
            ratio(a, b)
        ));
    }
    r.line(
        "\nWhere the time goes (medians, ms; Resource Timing): *boot* is insertion to the \
         first `/status` request (module fetch, compile, start), *relay* the two round trips \
         to the last `/qr-code` byte, *render* from there to the QR in the DOM.\n",
    );
    r.line("| part | zapi-connect cold | baseline cold | zapi-connect warm | baseline warm |");
    r.line("|---|---:|---:|---:|---:|");
    for part in ["boot", "relay", "render"] {
        let cell = |cache: &str, tag: &str| {
            format!(
                "{:.1}",
                median(r.results, &format!("ttq.{cache}.{tag}.{part}"))
            )
        };
        let row = format!(
            "| {part} | {} | {} | {} | {} |",
            cell("cold", WIDGET),
            cell("cold", BASELINE),
            cell("warm", WIDGET),
            cell("warm", BASELINE)
        );
        r.line(&row);
    }
    r.target(
        "time to first QR ≤ 1.1× the baseline",
        format!("{worst:.2}× (worse of cold and warm)"),
        worst <= 1.1,
    );
}

pub(super) fn qr_encode_table(r: &mut Report) {
    let runs = r.get("qr.ops.wasm").map_or(0, |s| s.n);
    let length = r.median("qr.payload-length");
    r.line("\n### 3. QR encoding\n");
    r.line(&format!(
        "Encode the simulator's WhatsApp-shaped payload ({length:.0} characters: `2@` + \
         reference + 3 keys) and render it to an SVG string, in the page, operations per second. \
         zapi-connect: the widget's own `qr_svg::encode` (built with the bundle profile into \
         `bench/qr-wasm`, one `#[wasm_bindgen]` export). Baseline: \
         `QRCode.toString(value, {{ type: \"svg\" }})` from the qrcode npm package, as the \
         baseline bundles it. {runs} runs of 1 s each, alternating.\n"
    ));
    r.line("| | zapi-connect (wasm) | baseline (qrcode npm) | ratio |\n|---|---:|---:|---:|");
    let (a, b) = (r.median("qr.ops.wasm"), r.median("qr.ops.qrcode"));
    r.line(&format!(
        "| encodes per second | {} | {} | {} |",
        spread(r.get("qr.ops.wasm"), 0),
        spread(r.get("qr.ops.qrcode"), 0),
        ratio(a, b)
    ));
    r.target(
        "QR encoding ≥ 2× the qrcode package",
        format!("{:.2}×", a / b),
        a / b >= 2.0,
    );
}

pub(super) fn idle_table(r: &mut Report) {
    let cycles = r.median(&format!("idle.{WIDGET}.cycles"));
    let timer = r.median("idle.check.timer-script-ms");
    let promise = r.median("idle.check.promise-script-ms");
    r.line("\n### 4. Idle cost\n");
    r.line(&format!(
        "The element waits through {cycles:.0} refresh cycles (one code shown for its 15 s \
         interval, with its `/status` polls) under Playwright's clock, \"Get new code\" clicked \
         at each pause (every 3 codes). CPU: CDP `Performance.getMetrics` per cycle, median over \
         each block of 100 cycles (min–max, IQR across blocks). `ScriptDuration` leaves out \
         script that promise callbacks and `await` continuations run (checked in each run: \
         10 × 20 ms of work in `setTimeout` callbacks counted {timer:.1} ms, the same work in \
         promise callbacks {promise:.1} ms), and the baseline does nearly all of its work \
         there; so each block also runs under V8's sampling profiler (CDP `Profiler`, one \
         sample every 100 µs), and the samples whose stack holds a frame of the element's own \
         module (its wasm included) are added up. The profiler runs through every block, so \
         its overhead is in every figure. Memory after a forced GC: JS heap \
         (`Runtime.getHeapUsage`) and wasm linear memory (every `WebAssembly.Memory` via \
         `Runtime.queryObjects`), after the first 100 cycles and at the end; growth between the \
         two is what a leak would show.\n"
    ));
    r.line("| | zapi-connect | baseline | ratio |\n|---|---:|---:|---:|");
    for (label, key, digits) in [
        ("CPU per cycle, TaskDuration, ms", "task-ms-per-cycle", 3),
        (
            "script per cycle, ScriptDuration, ms",
            "script-ms-per-cycle",
            3,
        ),
        (
            "script per cycle in the element's code and what it calls, sampling profiler, ms",
            "profiled-ms-per-cycle",
            3,
        ),
    ] {
        let (a, b) = (
            r.median(&format!("idle.{WIDGET}.{key}")),
            r.median(&format!("idle.{BASELINE}.{key}")),
        );
        r.line(&format!(
            "| {label} | {} | {} | {} |",
            spread(r.get(&format!("idle.{WIDGET}.{key}")), digits),
            spread(r.get(&format!("idle.{BASELINE}.{key}")), digits),
            ratio(a, b)
        ));
    }
    for (label, what) in [("JS heap", "heap"), ("wasm memory", "wasm")] {
        let results = r.results;
        let value = |tag: &str, at: &str| median(results, &format!("idle.{tag}.{what}-{at}"));
        for (at, name) in [
            ("after-first", "after 100 cycles"),
            ("at-end", "at the end"),
        ] {
            let (a, b) = (value(WIDGET, at), value(BASELINE, at));
            r.line(&format!(
                "| {label} {name} | {} | {} | {} |",
                kb(a),
                kb(b),
                ratio(a, b)
            ));
        }
        let growth = |tag: &str| value(tag, "at-end") - value(tag, "after-first");
        let (a, b) = (growth(WIDGET), growth(BASELINE));
        r.line(&format!(
            "| {label} growth, 100 → {cycles:.0} cycles | {:+.1} KB | {:+.1} KB | |",
            a / 1024.0,
            b / 1024.0
        ));
    }
    let qr = |tag: &str| r.median(&format!("idle.{tag}.qr-calls"));
    r.line(&format!(
        "| `/qr-code` calls in the run (check) | {:.0} | {:.0} | |",
        qr(WIDGET),
        qr(BASELINE)
    ));
}

pub(super) fn calls_table(r: &mut Report) {
    r.line("\n### 5. Calls to Z-API per connection attempt\n");
    r.line(
        "Read from the simulator's per-endpoint counters; interval 15 s, Playwright's clock \
         paused and moved in 5 s steps, each step waiting for the element's requests to finish. \
         Polls per minute: `/status` calls during the first two codes (30 s) scaled to a \
         minute. Hidden tab: `document.visibilityState` made `hidden` and \
         `visibilitychange` dispatched while a code is shown, then one minute on the clock.\n",
    );
    r.line("| per attempt | zapi-connect | baseline | ratio |\n|---|---:|---:|---:|");
    for (label, key) in [
        ("`/status` before the first code", "status-at-start"),
        ("`/qr-code` per cycle (target ≤ 3)", "qr-per-cycle"),
        (
            "`/status` polls per minute while a code is shown",
            "status-polls-per-min",
        ),
        ("calls per minute once paused", "calls-per-min-paused"),
        (
            "calls per minute while the tab is hidden",
            "calls-per-min-hidden",
        ),
        ("… of which `/qr-code`", "qr-per-min-hidden"),
        ("… of which `/status`", "status-per-min-hidden"),
    ] {
        let (a, b) = (
            r.median(&format!("calls.{WIDGET}.{key}")),
            r.median(&format!("calls.{BASELINE}.{key}")),
        );
        r.line(&format!("| {label} | {a} | {b} | {} |", ratio(a, b)));
    }
    let polls = r.median(&format!("calls.{WIDGET}.status-polls-per-min"));
    r.target(
        "`/status` calls per minute while a code is shown ≤ 2 (with the relay's event stream)",
        format!("{polls}"),
        polls <= 2.0,
    );
    let qr = r.median(&format!("calls.{WIDGET}.qr-per-cycle"));
    r.target("`/qr-code` calls per cycle ≤ 3", format!("{qr}"), qr <= 3.0);
    let hidden = r.median(&format!("calls.{WIDGET}.calls-per-min-hidden"));
    r.target(
        "no calls while the tab is hidden",
        format!("{hidden} calls per minute"),
        hidden == 0.0,
    );
}

pub(super) fn push_table(r: &mut Report) {
    let runs = r.get("push.push.scan-to-connected-ms").map_or(0, |s| s.n);
    r.line("\n### 5b. Scan to connected: push against polling\n");
    r.line(&format!(
        "Milliseconds from the simulator's scan control call (`POST /__sim/instances/{{id}}/scan`, \
         sent once the widget shows its QR and its event stream has said something) to the \
         `zapi-connected` event in the page, in real time. Headless Chromium, zapi-connect \
         through zapi-relay (release, webhook secret set, the simulator's callbacks registered) \
         to zapi-sim; {runs} runs each, alternating. Push: the simulator posts its \
         `ConnectedCallback` to the relay, which streams it to the widget. Polling: the \
         simulator in `webhooksLost` mode, so only the widget's fallback `/status` poll (every \
         30 s while its stream is healthy) finds the link. Each run scans at the same point \
         of the widget's cycle (just after its stream's first heartbeat), so polling's figure \
         is the wait from there to the widget's next `/status` call, nearly the same every \
         run; a scan at a random moment waits on average half the time between two polls.\n"
    ));
    r.line("| | push | polling | ratio |\n|---|---:|---:|---:|");
    let (push, polling) = (
        r.median("push.push.scan-to-connected-ms"),
        r.median("push.polling.scan-to-connected-ms"),
    );
    r.line(&format!(
        "| scan to `zapi-connected`, ms | {} | {} | {} |",
        spread(r.get("push.push.scan-to-connected-ms"), 1),
        spread(r.get("push.polling.scan-to-connected-ms"), 1),
        ratio(push, polling)
    ));
    r.target(
        "scan to `zapi-connected` with push < 300 ms",
        format!("{push:.1} ms (median)"),
        push < 300.0,
    );
}
