// How each engine's WebDriver session starts: Firefox ESR through geckodriver, headless;
// WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display (it has no headless mode).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Builder } from "selenium-webdriver";

// Debian keeps MiniBrowser in the multiarch library folder.
const MULTIARCH = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[process.arch];
const WEBKIT_DIR = `/usr/lib/${MULTIARCH}/webkit2gtk-4.1`;

export const ENGINES = {
  firefox: {
    driver: process.env.GECKODRIVER ?? "geckodriver",
    driverArgs: (port) => ["--port", String(port), "--log", "error"],
    capabilities: {
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
        args: ["-headless"],
        prefs: {
          // Nothing reaches out to the internet during a run.
          "network.captive-portal-service.enabled": false,
          "network.connectivity-service.enabled": false,
          "browser.safebrowsing.malware.enabled": false,
          "browser.safebrowsing.phishing.enabled": false,
          "datareporting.policy.dataSubmissionEnabled": false,
          "messaging-system.rsexperimentloader.enabled": false,
          "app.normandy.enabled": false,
          "browser.backup.enabled": false,
          "browser.backup.scheduled.enabled": false,
          // What Firefox's own scripts log is not the widget's: keep it out of the test output.
          "devtools.console.stdout.chrome": false,
          "browser.dom.window.dump.enabled": false,
        },
      },
    },
    needsDisplay: false,
  },
  webkit: {
    driver: process.env.WEBKIT_WEBDRIVER ?? "WebKitWebDriver",
    driverArgs: (port) => [`--port=${port}`],
    capabilities: {
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": {
        binary: process.env.MINIBROWSER ?? `${WEBKIT_DIR}/MiniBrowser`,
        args: ["--automation"],
      },
    },
    needsDisplay: true,
  },
};

/** A started engine: `driver` is the WebDriver session; `stop()` ends the session and every process. */
export async function startEngine(name) {
  const engine = ENGINES[name];
  if (!engine) throw new Error(`unknown engine "${name}" (known: ${Object.keys(ENGINES).join(", ")})`);
  const processes = [];
  const stopProcesses = () => {
    for (const child of processes.reverse()) {
      if (child.exitCode === null) child.kill("SIGTERM");
    }
  };
  try {
    const env = { ...process.env };
    if (engine.needsDisplay) {
      const xvfb = await startXvfb();
      processes.push(xvfb.process);
      env.DISPLAY = xvfb.display;
    }
    const port = await freePort();
    const driverProcess = spawn(engine.driver, engine.driverArgs(port), { env, stdio: ["ignore", "inherit", "inherit"] });
    processes.push(driverProcess);
    const server = `http://127.0.0.1:${port}`;
    await waitForDriver(server, driverProcess);
    const driver = await new Builder().usingServer(server).withCapabilities(engine.capabilities).build();
    return {
      driver,
      async stop() {
        await driver.quit().catch(() => {});
        stopProcesses();
      },
    };
  } catch (error) {
    stopProcesses();
    throw error;
  }
}

/** Xvfb on the first free display, which it reports on a pipe once it accepts clients. */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.XVFB ?? "Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {
      stdio: ["ignore", "ignore", "inherit", "pipe"],
    });
    let text = "";
    child.stdio[3].on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) resolve({ process: child, display: `:${text.trim()}` });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForDriver(server, child) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited (${child.exitCode})`);
    try {
      const response = await fetch(`${server}/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.spawnfile} did not answer on ${server} within 20 s`);
}
