use super::*;

const RELAY: &str = "/zapi";

fn config() -> Config {
    Config {
        relay: RELAY.into(),
        ..Config::default()
    }
}

fn svg_code() -> QrImage {
    QrImage::Src("data:image/png;base64,AAAA".into())
}

/// A machine plus a clock, with helpers that answer the requests it makes.
struct Harness {
    machine: Machine,
    now: f64,
    /// The relay offers an event stream; without one, each probe is answered 404 at once.
    streams: bool,
}

impl Harness {
    /// Against a relay without an event stream: the widget polls.
    fn new() -> Self {
        Self {
            machine: Machine::new(config()),
            now: 1_000_000.0,
            streams: false,
        }
    }

    /// Against a relay with an event stream, whose opening the test answers.
    fn with_streams() -> Self {
        Self {
            streams: true,
            ..Self::new()
        }
    }

    fn send(&mut self, event: Event) -> Vec<Command> {
        let mut out = self.machine.update(event, self.now);
        if !self.streams {
            let probes: Vec<_> = out
                .iter()
                .filter_map(|c| match c {
                    Command::OpenStream { id, .. } => Some(*id),
                    _ => None,
                })
                .collect();
            out.retain(|c| !matches!(c, Command::OpenStream { .. }));
            for id in probes {
                let end = StreamEnd::Absent;
                out.extend(
                    self.machine
                        .update(Event::StreamEnded { id, end }, self.now),
                );
            }
        }
        out
    }

    fn state(&self) -> Option<StateName> {
        self.machine.phase().name()
    }

    /// Moves the clock by `ms` in one-second ticks and collects the commands.
    fn advance(&mut self, ms: f64) -> Vec<Command> {
        let end = self.now + ms;
        let mut out = Vec::new();
        while self.now < end {
            self.now = (self.now + 1000.0).min(end);
            out.extend(self.send(Event::Tick));
        }
        out
    }

    fn status(&mut self, id: RequestId, answer: Result<StatusAnswer, WidgetError>) -> Vec<Command> {
        self.send(Event::StatusLoaded { id, result: answer })
    }

    fn qr(&mut self, id: RequestId, answer: Result<QrAnswer, WidgetError>) -> Vec<Command> {
        self.send(Event::QrLoaded { id, result: answer })
    }

    /// Start, status "not connected", first code shown.
    fn showing_first_code(&mut self) {
        let id = status_id(&self.send(Event::Start));
        let id = qr_id(&self.status(id, Ok(StatusAnswer::NotConnected)));
        self.qr(id, Ok(QrAnswer::Code(svg_code())));
        assert_eq!(self.state(), Some(StateName::Qr));
    }
}

fn status_id(commands: &[Command]) -> RequestId {
    let ids: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchStatus { id } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "expected one status fetch in {commands:?}");
    ids[0]
}

fn qr_id(commands: &[Command]) -> RequestId {
    let ids: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchQr { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "expected one QR fetch in {commands:?}");
    ids[0]
}

fn qr_fetches(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::FetchQr { .. }))
        .count()
}

fn status_fetches(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::FetchStatus { .. }))
        .count()
}

fn events(commands: &[Command]) -> Vec<WidgetEvent> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Emit(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

fn error(code: ErrorCode) -> WidgetError {
    WidgetError::new(code)
}

#[test]
fn start_checks_the_status_first() {
    let mut h = Harness::new();
    let out = h.send(Event::Start);
    assert_eq!(
        out,
        vec![
            Command::Emit(WidgetEvent::State(StateName::Loading)),
            Command::FetchStatus {
                id: status_id(&out)
            },
        ]
    );
    assert!(!h.machine.wants_ticks());
    assert_eq!(h.machine.countdown_secs(h.now), None);
}

#[test]
fn a_second_start_does_nothing() {
    let mut h = Harness::new();
    h.send(Event::Start);
    assert!(h.send(Event::Start).is_empty());
}

#[test]
fn already_connected_never_fetches_a_qr() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(qr_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::AlreadyConnected),
            WidgetEvent::Connected { already: true },
        ]
    );
    assert!(h.advance(60_000.0).is_empty());
}

#[test]
fn restore_session_is_its_own_state() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::RestoreSession));
    assert_eq!(qr_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::RestoreSession));
    assert!(h.advance(60_000.0).is_empty());
    // "Check again" starts over from the status check.
    let out = h.send(Event::Retry);
    status_id(&out);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn not_connected_fetches_the_first_qr_and_shows_it() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::NotConnected));
    let id = qr_id(&out);
    assert_eq!(
        out,
        vec![Command::FetchQr {
            id,
            format: QrFormat::Svg
        }]
    );
    assert_eq!(h.state(), Some(StateName::Loading));
    let out = h.qr(id, Ok(QrAnswer::Code(svg_code())));
    let expires_at_ms = h.now + 15_000.0;
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::Qr),
            WidgetEvent::Code {
                kind: CodeKind::Qr,
                expires_at_ms
            },
        ]
    );
    assert!(h.machine.wants_ticks());
    assert_eq!(h.machine.countdown_secs(h.now), Some(15));
    match h.machine.phase() {
        Phase::Qr {
            code,
            last,
            refreshing,
            ..
        } => {
            assert_eq!(code, &svg_code());
            assert!(!last && !refreshing);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_image_format_is_asked_for() {
    let mut h = Harness::new();
    h.machine = Machine::new(Config {
        format: QrFormat::Image,
        ..config()
    });
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::NotConnected));
    assert!(matches!(
        out[..],
        [Command::FetchQr {
            format: QrFormat::Image,
            ..
        }]
    ));
}

#[test]
fn the_countdown_comes_from_the_deadline() {
    let mut h = Harness::new();
    h.showing_first_code();
    let start = h.now;
    // Ticks may be late or missing (background tabs); only the clock matters.
    assert_eq!(h.machine.countdown_secs(start + 1.0), Some(15));
    assert_eq!(h.machine.countdown_secs(start + 999.0), Some(15));
    assert_eq!(h.machine.countdown_secs(start + 1000.0), Some(14));
    assert_eq!(h.machine.countdown_secs(start + 14_001.0), Some(1));
    assert_eq!(h.machine.countdown_secs(start + 15_000.0), Some(0));
    assert_eq!(h.machine.countdown_secs(start + 99_000.0), Some(0));
}

#[test]
fn each_refresh_happens_at_the_deadline() {
    let mut h = Harness::new();
    h.showing_first_code();
    assert_eq!(qr_fetches(&h.advance(14_000.0)), 0);
    let out = h.advance(1_000.0);
    let id = qr_id(&out);
    // The old code stays while the new one loads.
    assert_eq!(h.state(), Some(StateName::Qr));
    assert!(matches!(
        h.machine.phase(),
        Phase::Qr {
            refreshing: true,
            ..
        }
    ));
    assert_eq!(qr_fetches(&h.advance(3_000.0)), 0, "one refresh at a time");
    let out = h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(
        events(&out),
        vec![WidgetEvent::Code {
            kind: CodeKind::Qr,
            expires_at_ms: h.now + 15_000.0
        }]
    );
    assert!(matches!(
        h.machine.phase(),
        Phase::Qr {
            refreshing: false,
            last: false,
            ..
        }
    ));
    assert_eq!(h.machine.countdown_secs(h.now), Some(15));
}

#[test]
fn stops_after_exactly_three_qr_calls() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let mut calls = 0;
    let mut pending = Some(qr_id(&h.status(id, Ok(StatusAnswer::NotConnected))));
    let mut all = Vec::new();
    while let Some(id) = pending.take() {
        calls += 1;
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
        let out = h.advance(15_000.0);
        if qr_fetches(&out) > 0 {
            pending = Some(qr_id(&out));
        }
        all.extend(out);
        assert!(calls <= 3);
    }
    assert_eq!(calls, 3);
    assert_eq!(h.state(), Some(StateName::Paused));
    assert!(events(&all).contains(&WidgetEvent::State(StateName::Paused)));
    assert!(!h.machine.wants_ticks());
    assert_eq!(h.machine.countdown_secs(h.now), None);
    assert_eq!(qr_fetches(&h.advance(120_000.0)), 0);
}

#[test]
fn the_third_code_is_marked_last_and_pauses_at_its_own_deadline() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = qr_id(&h.advance(15_000.0));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    let id = qr_id(&h.advance(15_000.0));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert!(matches!(h.machine.phase(), Phase::Qr { last: true, .. }));
    h.advance(14_000.0);
    assert_eq!(h.state(), Some(StateName::Qr));
    h.advance(1_000.0);
    assert_eq!(h.state(), Some(StateName::Paused));
}

/// Drives a machine to the pause after three codes.
fn paused() -> Harness {
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    h.advance(15_000.0);
    assert_eq!(h.state(), Some(StateName::Paused));
    h
}

#[test]
fn get_new_code_starts_a_fresh_cycle_of_three() {
    let mut h = paused();
    let out = h.send(Event::GetNewCode);
    assert_eq!(status_fetches(&out), 0, "fetches the code immediately");
    let mut id = qr_id(&out);
    assert_eq!(h.state(), Some(StateName::Loading));
    let mut calls = 1;
    loop {
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
        let out = h.advance(15_000.0);
        if qr_fetches(&out) == 0 {
            break;
        }
        id = qr_id(&out);
        calls += 1;
    }
    assert_eq!(calls, 3);
    assert_eq!(h.state(), Some(StateName::Paused));
}

#[test]
fn get_new_code_is_ignored_unless_paused() {
    let mut h = Harness::new();
    h.showing_first_code();
    assert_eq!(qr_fetches(&h.send(Event::GetNewCode)), 0);
}

#[test]
fn status_is_polled_every_five_seconds_while_a_code_is_shown() {
    let mut h = Harness::new();
    h.showing_first_code();
    assert_eq!(status_fetches(&h.advance(4_000.0)), 0);
    let id = status_id(&h.advance(1_000.0));
    // One poll in flight at most.
    assert_eq!(status_fetches(&h.advance(3_000.0)), 0);
    h.status(id, Ok(StatusAnswer::NotConnected));
    assert_eq!(status_fetches(&h.advance(4_000.0)), 0);
    status_id(&h.advance(1_000.0));
}

#[test]
fn a_refresh_is_not_doubled_by_a_poll() {
    // Regression: the tick that asked for a new code also polled /status, though the code's
    // answer already says whether the phone is linked (12 polls a minute instead of 8).
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let id = status_id(&h.advance(5_000.0));
        h.status(id, Ok(StatusAnswer::NotConnected));
    }
    let refresh = h.advance(5_000.0);
    assert_eq!(qr_fetches(&refresh), 1);
    assert_eq!(status_fetches(&refresh), 0);
    h.qr(qr_id(&refresh), Ok(QrAnswer::Code(svg_code())));
    assert_eq!(status_fetches(&h.advance(4_000.0)), 0);
    status_id(&h.advance(1_000.0));
}

#[test]
fn scanning_connects_and_stops_everything() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.advance(5_000.0));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::Connected),
            WidgetEvent::Connected { already: false },
        ]
    );
    assert!(!h.machine.wants_ticks());
    assert!(h.advance(120_000.0).is_empty());
}

#[test]
fn a_qr_answer_saying_connected_after_a_code_means_the_scan_worked() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = qr_id(&h.advance(15_000.0));
    let out = h.qr(id, Ok(QrAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
}

#[test]
fn a_qr_answer_saying_connected_before_any_code_means_already_connected() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let id = qr_id(&h.status(id, Ok(StatusAnswer::NotConnected)));
    let out = h.qr(id, Ok(QrAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: true }));
}

#[test]
fn a_poll_finding_a_dropped_session_shows_restore_session() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.advance(5_000.0));
    h.status(id, Ok(StatusAnswer::RestoreSession));
    assert_eq!(h.state(), Some(StateName::RestoreSession));
    assert!(h.advance(60_000.0).is_empty());
}

#[test]
fn a_poll_in_flight_when_pausing_can_still_report_the_scan() {
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let out = h.advance(15_000.0);
        for c in &out {
            if let Command::FetchStatus { id } = c {
                h.status(*id, Ok(StatusAnswer::NotConnected));
            }
        }
        h.qr(qr_id(&out), Ok(QrAnswer::Code(svg_code())));
    }
    // The last code's poll is still out when its deadline pauses the widget.
    let in_flight = status_id(&h.advance(15_000.0));
    assert_eq!(h.state(), Some(StateName::Paused));
    h.status(in_flight, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
}

#[test]
fn background_poll_errors_are_ignored_while_the_code_is_valid() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.advance(5_000.0));
    let out = h.status(id, Err(error(ErrorCode::RelayUnreachable)));
    assert!(out.is_empty());
    assert_eq!(h.state(), Some(StateName::Qr));
    // Polling goes on.
    status_id(&h.advance(5_000.0));
}

const ALL_CODES: [ErrorCode; 9] = [
    ErrorCode::RelayUnreachable,
    ErrorCode::Timeout,
    ErrorCode::AccessDenied,
    ErrorCode::SubscriptionExpired,
    ErrorCode::MalformedResponse,
    ErrorCode::RateLimited,
    ErrorCode::UpstreamError,
    ErrorCode::RelayError,
    ErrorCode::InvalidConfig,
];

fn assert_error_then_retry(h: &mut Harness, out: Vec<Command>, code: ErrorCode) {
    assert_eq!(h.state(), Some(StateName::Error));
    assert!(matches!(h.machine.phase(), Phase::Error(e) if e.code == code));
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::Error),
            WidgetEvent::Error(error(code)),
        ]
    );
    assert!(!h.machine.wants_ticks());
    assert!(h.advance(60_000.0).is_empty(), "an error stops the work");
    let out = h.send(Event::Retry);
    status_id(&out);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn each_status_error_is_an_error_state_then_retry_checks_again() {
    for code in ALL_CODES {
        let mut h = Harness::new();
        let id = status_id(&h.send(Event::Start));
        let out = h.status(id, Err(error(code)));
        assert_error_then_retry(&mut h, out, code);
    }
}

#[test]
fn each_qr_error_is_an_error_state_then_retry_checks_again() {
    for code in ALL_CODES {
        let mut h = Harness::new();
        let id = status_id(&h.send(Event::Start));
        let id = qr_id(&h.status(id, Ok(StatusAnswer::NotConnected)));
        let out = h.qr(id, Err(error(code)));
        assert_error_then_retry(&mut h, out, code);
    }
}

#[test]
fn a_failed_refresh_is_an_error() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = qr_id(&h.advance(15_000.0));
    let out = h.qr(id, Err(error(ErrorCode::Timeout)));
    assert_error_then_retry(&mut h, out, ErrorCode::Timeout);
}

#[test]
fn retry_is_ignored_outside_errors() {
    let mut h = Harness::new();
    h.showing_first_code();
    assert!(h.send(Event::Retry).is_empty());
}

#[test]
fn an_empty_relay_is_invalid_config() {
    let mut h = Harness::new();
    h.machine = Machine::new(Config {
        relay: "  ".into(),
        ..config()
    });
    let out = h.send(Event::Start);
    assert_eq!(status_fetches(&out), 0);
    assert!(
        matches!(h.machine.phase(), Phase::Error(e) if e.code == ErrorCode::InvalidConfig && !e.offers_retry())
    );
    // Setting a relay starts over by itself.
    let out = h.send(Event::ConfigChanged(config()));
    status_id(&out);
}

#[test]
fn a_new_relay_after_an_error_waits_for_retry() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    h.status(id, Err(error(ErrorCode::RelayUnreachable)));
    let moved = Config {
        relay: "/other".into(),
        ..config()
    };
    assert!(h.send(Event::ConfigChanged(moved.clone())).is_empty());
    assert_eq!(h.state(), Some(StateName::Error));
    status_id(&h.send(Event::Retry));
    assert_eq!(h.machine.config(), &moved);
}

#[test]
fn stale_responses_are_ignored() {
    let mut h = Harness::new();
    let first = status_id(&h.send(Event::Start));
    // A relay change abandons the first check.
    let second = status_id(&h.send(Event::ConfigChanged(Config {
        relay: "/other".into(),
        ..config()
    })));
    assert_ne!(first, second);
    assert!(h.status(first, Ok(StatusAnswer::Connected)).is_empty());
    assert_eq!(h.state(), Some(StateName::Loading));
    let qr = qr_id(&h.status(second, Ok(StatusAnswer::NotConnected)));
    // Answers with unknown ids, or answered twice, change nothing.
    assert!(h.qr(qr + 100, Ok(QrAnswer::Connected)).is_empty());
    assert!(h.status(second, Ok(StatusAnswer::Connected)).is_empty());
    h.qr(qr, Ok(QrAnswer::Code(svg_code())));
    assert!(h.qr(qr, Err(error(ErrorCode::Timeout))).is_empty());
    assert_eq!(h.state(), Some(StateName::Qr));
}

#[test]
fn answers_after_a_retry_belong_to_the_new_attempt_only() {
    let mut h = Harness::new();
    h.showing_first_code();
    let poll = status_id(&h.advance(5_000.0));
    let refresh = qr_id(&h.advance(10_000.0));
    let out = h.qr(refresh, Err(error(ErrorCode::UpstreamError)));
    assert_eq!(h.state(), Some(StateName::Error));
    assert!(!out.is_empty());
    h.send(Event::Retry);
    assert!(h.status(poll, Ok(StatusAnswer::Connected)).is_empty());
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn interval_is_used_for_deadlines() {
    let mut h = Harness::new();
    h.machine = Machine::new(Config {
        interval_secs: 10,
        ..config()
    });
    h.showing_first_code();
    assert_eq!(h.machine.countdown_secs(h.now), Some(10));
    assert_eq!(qr_fetches(&h.advance(9_000.0)), 0);
    qr_id(&h.advance(1_000.0));
}

#[test]
fn an_interval_change_moves_the_shown_code_deadline() {
    let mut h = Harness::new();
    h.machine = Machine::new(Config {
        interval_secs: 20,
        ..config()
    });
    h.showing_first_code();
    h.advance(3_000.0);
    let out = h.send(Event::ConfigChanged(config_with_interval(10)));
    assert!(out.is_empty(), "no restart, no event");
    assert_eq!(h.machine.countdown_secs(h.now), Some(7));
    assert_eq!(qr_fetches(&h.advance(6_000.0)), 0);
    let id = qr_id(&h.advance(1_000.0));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.machine.countdown_secs(h.now), Some(10));
}

#[test]
fn an_interval_shorter_than_the_code_age_refreshes_at_the_next_tick() {
    let mut h = Harness::new();
    h.machine = Machine::new(Config {
        interval_secs: 20,
        ..config()
    });
    h.showing_first_code();
    h.advance(12_000.0);
    h.send(Event::ConfigChanged(config_with_interval(10)));
    assert_eq!(h.machine.countdown_secs(h.now), Some(0));
    qr_id(&h.advance(1_000.0));
}

fn config_with_interval(interval_secs: u32) -> Config {
    Config {
        interval_secs,
        ..config()
    }
}

#[test]
fn a_format_change_while_showing_codes_restarts() {
    let mut h = Harness::new();
    h.showing_first_code();
    let out = h.send(Event::ConfigChanged(Config {
        format: QrFormat::Image,
        ..config()
    }));
    status_id(&out);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn config_changes_after_linking_change_nothing_but_a_new_relay() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    h.status(id, Ok(StatusAnswer::Connected));
    let image = Config {
        format: QrFormat::Image,
        ..config()
    };
    assert!(h.send(Event::ConfigChanged(image)).is_empty());
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    let moved = Config {
        relay: "/other".into(),
        ..config()
    };
    status_id(&h.send(Event::ConfigChanged(moved)));
}

#[test]
fn config_changes_before_start_are_only_stored() {
    let mut h = Harness::new();
    let moved = Config {
        relay: "/other".into(),
        ..config()
    };
    assert!(h.send(Event::ConfigChanged(moved.clone())).is_empty());
    assert_eq!(h.machine.config(), &moved);
    assert_eq!(h.state(), None);
}

#[test]
fn interval_choice() {
    assert_eq!(choose_interval(None), (15, false));
    assert_eq!(choose_interval(Some(10)), (10, false));
    assert_eq!(choose_interval(Some(17)), (17, false));
    assert_eq!(choose_interval(Some(20)), (20, false));
    assert_eq!(choose_interval(Some(9)), (15, true));
    assert_eq!(choose_interval(Some(21)), (15, true));
    assert_eq!(choose_interval(Some(0)), (15, true));
}

#[test]
fn qr_format_parsing() {
    assert_eq!(QrFormat::parse("svg"), Some(QrFormat::Svg));
    assert_eq!(QrFormat::parse(" Image "), Some(QrFormat::Image));
    assert_eq!(QrFormat::parse("png"), None);
    assert_eq!(QrFormat::default(), QrFormat::Svg);
}

#[test]
fn stop_ends_all_work_and_ignores_late_answers() {
    let mut h = Harness::new();
    h.showing_first_code();
    let poll = status_id(&h.advance(5_000.0));
    let out = h.send(Event::Stop);
    assert!(out.is_empty());
    assert_eq!(h.state(), None);
    assert!(!h.machine.wants_ticks());
    assert!(h.status(poll, Ok(StatusAnswer::Connected)).is_empty());
    assert!(h.advance(60_000.0).is_empty());
    // Starting again begins with a status check.
    status_id(&h.send(Event::Start));
}

#[test]
fn state_names() {
    let names: Vec<_> = [
        StateName::Loading,
        StateName::Qr,
        StateName::Paused,
        StateName::Connected,
        StateName::AlreadyConnected,
        StateName::RestoreSession,
        StateName::Error,
    ]
    .iter()
    .map(|n| n.as_str())
    .collect();
    assert_eq!(
        names,
        [
            "loading",
            "qr",
            "paused",
            "connected",
            "already-connected",
            "restore-session",
            "error"
        ]
    );
}

// Phone codes, methods, visibility.

fn phone_config() -> Config {
    Config {
        methods: Methods::PhoneQr,
        code_ttl_secs: 180,
        ..config()
    }
}

fn code_request(commands: &[Command]) -> (RequestId, String) {
    let found: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchCode { id, digits } => Some((*id, digits.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "expected one code fetch in {commands:?}");
    found[0].clone()
}

fn code_fetches(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::FetchCode { .. }))
        .count()
}

impl Harness {
    fn with(config: Config) -> Self {
        let mut h = Self::new();
        h.machine = Machine::new(config);
        h
    }

    /// Start, status "not connected": the phone input (phone-first config).
    fn at_phone_input(&mut self) {
        let id = status_id(&self.send(Event::Start));
        let out = self.status(id, Ok(StatusAnswer::NotConnected));
        assert_eq!(qr_fetches(&out), 0, "no QR for the phone method");
        assert_eq!(self.state(), Some(StateName::PhoneInput));
    }

    /// Types and confirms a number; returns the code request.
    fn request_code(&mut self, typed: &str) -> (RequestId, String) {
        self.send(Event::SubmitPhone(typed.into()));
        assert!(matches!(self.machine.phase(), Phase::PhoneConfirm { .. }));
        code_request(&self.send(Event::ConfirmPhone))
    }

    fn showing_phone_code(&mut self) -> Vec<Command> {
        self.at_phone_input();
        let (id, digits) = self.request_code("+55 (11) 91234-5678");
        assert_eq!(digits, "5511912345678");
        self.send(Event::CodeLoaded {
            id,
            result: Ok(CodeAnswer::Code("ABCD1234".into())),
        })
    }
}

#[test]
fn phone_first_shows_the_input_after_the_status_check() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    assert!(!h.machine.wants_ticks());
    assert!(h.advance(60_000.0).is_empty(), "nothing runs while typing");
}

#[test]
fn an_invalid_number_makes_no_request_and_says_so() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let out = h.send(Event::SubmitPhone("11 81234 5678".into()));
    assert_eq!(code_fetches(&out), 0);
    assert!(matches!(
        &events(&out)[..],
        [WidgetEvent::Error(e)] if e.code == ErrorCode::InvalidPhone && !e.retryable
    ));
    assert_eq!(
        h.machine.phase(),
        &Phase::PhoneInput {
            value: "11 81234 5678".into(),
            problem: Some(PhoneProblem::Format)
        }
    );
    // An empty field is marked but is no error event.
    let out = h.send(Event::SubmitPhone("  ".into()));
    assert!(out.is_empty());
}

#[test]
fn the_normalized_number_is_confirmed_before_the_code_is_asked_for() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    assert!(h
        .send(Event::SubmitPhone("11 91234 5678".into()))
        .is_empty());
    match h.machine.phase() {
        Phase::PhoneConfirm { phone } => assert_eq!(phone.display, "+55 11 91234-5678"),
        other => panic!("{other:?}"),
    }
    let (_, digits) = code_request(&h.send(Event::ConfirmPhone));
    assert_eq!(digits, "5511912345678");
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn the_code_is_shown_until_its_ttl_and_never_changes_on_its_own() {
    let mut h = Harness::with(phone_config());
    let out = h.showing_phone_code();
    let expires_at_ms = h.now + 180_000.0;
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::PhoneCode),
            WidgetEvent::Code {
                kind: CodeKind::Phone,
                expires_at_ms
            },
        ]
    );
    assert_eq!(h.machine.countdown_secs(h.now), Some(180));
    let out = h.advance(170_000.0);
    assert_eq!(code_fetches(&out), 0, "no new code while shown");
    assert_eq!(qr_fetches(&out), 0);
    assert!(status_fetches(&out) >= 1, "the link is polled");
    assert!(matches!(h.machine.phase(), Phase::PhoneCode { code, .. } if code == "ABCD1234"));
}

#[test]
fn status_is_polled_every_five_seconds_while_a_phone_code_is_shown() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    assert_eq!(status_fetches(&h.advance(4_000.0)), 0);
    let id = status_id(&h.advance(1_000.0));
    h.status(id, Ok(StatusAnswer::NotConnected));
    assert_eq!(status_fetches(&h.advance(4_000.0)), 0);
    let id = status_id(&h.advance(1_000.0));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::Connected),
            WidgetEvent::Connected { already: false }
        ]
    );
}

#[test]
fn an_expired_code_waits_for_the_user_then_a_new_one_is_asked_for() {
    let mut h = Harness::with(Config {
        code_ttl_secs: 60,
        ..phone_config()
    });
    h.showing_phone_code();
    let out = h.advance(60_000.0);
    assert_eq!(h.state(), Some(StateName::CodeExpired));
    assert!(events(&out).contains(&WidgetEvent::Expired {
        kind: CodeKind::Phone
    }));
    assert!(!h.machine.wants_ticks());
    let out = h.advance(600_000.0);
    assert!(out.is_empty(), "nothing is fetched after expiry: {out:?}");
    let (id, digits) = code_request(&h.send(Event::GetNewCode));
    assert_eq!(digits, "5511912345678", "the same number");
    h.send(Event::CodeLoaded {
        id,
        result: Ok(CodeAnswer::Code("WXYZ5678".into())),
    });
    assert!(matches!(h.machine.phase(), Phase::PhoneCode { code, .. } if code == "WXYZ5678"));
}

#[test]
fn a_number_the_relay_refuses_goes_back_to_the_input() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let (id, _) = h.request_code("11 91234 5678");
    let out = h.send(Event::CodeLoaded {
        id,
        result: Err(error(ErrorCode::InvalidPhone)),
    });
    assert!(matches!(
        &events(&out)[..],
        [WidgetEvent::Error(e), WidgetEvent::State(StateName::PhoneInput)]
            | [WidgetEvent::State(StateName::PhoneInput), WidgetEvent::Error(e)]
            if e.code == ErrorCode::InvalidPhone
    ));
    assert_eq!(
        h.machine.phase(),
        &Phase::PhoneInput {
            value: "+55 11 91234-5678".into(),
            problem: Some(PhoneProblem::Refused)
        }
    );
}

#[test]
fn other_code_errors_are_error_states() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let (id, _) = h.request_code("11 91234 5678");
    h.send(Event::CodeLoaded {
        id,
        result: Err(WidgetError::rate_limited(Some(30))),
    });
    assert!(
        matches!(h.machine.phase(), Phase::Error(e) if e.code == ErrorCode::RateLimited && e.retry_after_secs == Some(30))
    );
    let id = status_id(&h.send(Event::Retry));
    h.status(id, Ok(StatusAnswer::NotConnected));
    assert_eq!(h.state(), Some(StateName::PhoneInput));
}

#[test]
fn a_different_number_goes_back_to_the_input_and_drops_the_old_request() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let (id, _) = h.request_code("11 91234 5678");
    h.send(Event::ChangeNumber);
    assert_eq!(h.state(), Some(StateName::PhoneInput));
    let out = h.send(Event::CodeLoaded {
        id,
        result: Ok(CodeAnswer::Code("ABCD1234".into())),
    });
    assert!(out.is_empty(), "a late code is ignored");
    assert_eq!(h.state(), Some(StateName::PhoneInput));

    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    h.send(Event::ChangeNumber);
    assert_eq!(
        h.machine.phase(),
        &Phase::PhoneInput {
            value: "+55 11 91234-5678".into(),
            problem: None
        }
    );
    assert!(!h.machine.wants_ticks());
}

#[test]
fn switching_methods_abandons_the_other_flow() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let qr = qr_id(&h.status(id, Ok(StatusAnswer::NotConnected)));
    h.send(Event::ChooseMethod(Method::Phone));
    assert_eq!(h.state(), Some(StateName::PhoneInput));
    assert!(h.qr(qr, Ok(QrAnswer::Code(svg_code()))).is_empty());
    assert_eq!(h.state(), Some(StateName::PhoneInput));
    let out = h.send(Event::ChooseMethod(Method::Qr));
    assert_eq!(qr_fetches(&out), 1, "back to QR starts a fresh cycle");
    assert_eq!(h.machine.method(), Method::Qr);
}

#[test]
fn methods_not_offered_or_before_the_status_check_cannot_be_chosen() {
    let mut h = Harness::with(Config {
        methods: Methods::QrOnly,
        ..config()
    });
    h.showing_first_code();
    assert!(h.send(Event::ChooseMethod(Method::Phone)).is_empty());
    assert_eq!(h.state(), Some(StateName::Qr));

    let mut h = Harness::new();
    h.send(Event::Start);
    assert!(h.send(Event::ChooseMethod(Method::Phone)).is_empty());
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn dropping_the_method_in_use_switches_to_the_offered_one() {
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let out = h.send(Event::ConfigChanged(Config {
        methods: Methods::QrOnly,
        ..config()
    }));
    assert_eq!(status_fetches(&out), 1, "starts over");
    assert_eq!(h.machine.method(), Method::Qr);
}

#[test]
fn pausing_after_three_codes_fires_expired() {
    let mut h = Harness::new();
    h.showing_first_code();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    seen.extend(events(&h.advance(15_000.0)));
    assert_eq!(h.state(), Some(StateName::Paused));
    assert!(seen.contains(&WidgetEvent::Expired { kind: CodeKind::Qr }));
}

#[test]
fn nothing_is_fetched_while_hidden() {
    let mut h = Harness::new();
    h.showing_first_code();
    h.send(Event::Hidden(true));
    assert!(!h.machine.wants_ticks());
    let out = h.advance(120_000.0);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(h.state(), Some(StateName::Qr));
}

#[test]
fn a_qr_that_ran_out_while_hidden_is_replaced_at_once() {
    let mut h = Harness::new();
    h.showing_first_code();
    h.send(Event::Hidden(true));
    h.now += 40_000.0;
    let out = h.send(Event::Hidden(false));
    assert_eq!(qr_fetches(&out), 1);
    assert_eq!(
        h.state(),
        Some(StateName::Loading),
        "the stale code is not shown"
    );
    assert!(h.machine.wants_ticks() || h.state() == Some(StateName::Loading));
}

#[test]
fn a_qr_that_ran_out_while_hidden_after_the_last_call_pauses() {
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    h.send(Event::Hidden(true));
    h.now += 60_000.0;
    let out = h.send(Event::Hidden(false));
    assert_eq!(qr_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::Paused));
    assert!(events(&out).contains(&WidgetEvent::Expired { kind: CodeKind::Qr }));
}

#[test]
fn a_phone_code_past_its_ttl_while_hidden_shows_expired_at_once() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    h.send(Event::Hidden(true));
    h.now += 200_000.0;
    let out = h.send(Event::Hidden(false));
    assert_eq!(h.state(), Some(StateName::CodeExpired));
    assert_eq!(code_fetches(&out), 0);
}

#[test]
fn a_valid_code_shown_again_is_kept_and_polled() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    h.send(Event::Hidden(true));
    h.now += 30_000.0;
    let out = h.send(Event::Hidden(false));
    assert_eq!(status_fetches(&out), 1, "checks the link at once");
    assert_eq!(h.state(), Some(StateName::PhoneCode));
}

#[test]
fn refresh_starts_over_from_the_status_check() {
    let mut h = Harness::new();
    h.showing_first_code();
    let out = h.send(Event::Refresh);
    assert_eq!(status_fetches(&out), 1);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn refresh_starts_a_stopped_widget_with_one_status_check() {
    // `stop(); refresh()` used to send Start then Refresh: two status checks, the first one
    // forgotten while still in flight. A refresh alone starts a stopped widget.
    let mut h = Harness::new();
    h.showing_first_code();
    h.send(Event::Stop);
    let out = h.send(Event::Refresh);
    assert_eq!(status_fetches(&out), 1);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn methods_parse() {
    assert_eq!(Methods::parse("qr,phone"), Some(Methods::QrPhone));
    assert_eq!(Methods::parse(" PHONE , qr "), Some(Methods::PhoneQr));
    assert_eq!(Methods::parse("qr"), Some(Methods::QrOnly));
    assert_eq!(Methods::parse("phone"), Some(Methods::PhoneOnly));
    for bad in ["", "sms", "qr,qr", "qr,phone,qr", "qr;phone"] {
        assert_eq!(Methods::parse(bad), None, "{bad}");
    }
    assert_eq!(Methods::QrPhone.phone_first(), Methods::PhoneQr);
    assert_eq!(Methods::QrOnly.phone_first(), Methods::QrOnly);
}

#[test]
fn a_widget_started_in_a_hidden_page_waits_until_it_is_seen() {
    let mut h = Harness::new();
    h.send(Event::Hidden(true));
    let out = h.send(Event::Start);
    assert_eq!(status_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::Loading));
    assert!(h.advance(30_000.0).is_empty());
    let out = h.send(Event::Hidden(false));
    assert_eq!(status_fetches(&out), 1);
}

#[test]
fn change_number_means_nothing_while_a_qr_or_the_status_is_loading() {
    // The QR method is loading its first code: no phone input appears, and the code is shown.
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let id = qr_id(&h.send(Event::ChooseMethod(Method::Qr)));
    assert!(h.send(Event::ChangeNumber).is_empty());
    assert_eq!(h.state(), Some(StateName::Loading));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.state(), Some(StateName::Qr));

    // The first status check is in flight: its answer still counts.
    let mut h = Harness::with(phone_config());
    let id = status_id(&h.send(Event::Start));
    assert!(h.send(Event::ChangeNumber).is_empty());
    h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
}

#[test]
fn showing_the_page_again_while_loading_sends_nothing_twice() {
    // The first status check is in flight when the page is hidden and shown again.
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    h.send(Event::Hidden(true));
    let out = h.send(Event::Hidden(false));
    assert_eq!(status_fetches(&out), 0, "{out:?}");
    // The first QR is in flight.
    let id = qr_id(&h.status(id, Ok(StatusAnswer::NotConnected)));
    h.send(Event::Hidden(true));
    let out = h.send(Event::Hidden(false));
    assert_eq!((status_fetches(&out), qr_fetches(&out)), (0, 0), "{out:?}");
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.state(), Some(StateName::Qr));
}

#[test]
fn a_phone_code_route_saying_connected_tells_whether_it_was_linked_before() {
    // Before any code was shown: the phone was linked already.
    let mut h = Harness::with(phone_config());
    h.at_phone_input();
    let (id, _) = h.request_code("11 91234 5678");
    let out = h.send(Event::CodeLoaded {
        id,
        result: Ok(CodeAnswer::Connected),
    });
    assert!(events(&out).contains(&WidgetEvent::Connected { already: true }));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));

    // After a code was shown and expired, the new request finds the phone linked: the code
    // worked.
    let mut h = Harness::with(Config {
        code_ttl_secs: 60,
        ..phone_config()
    });
    h.showing_phone_code();
    h.advance(60_000.0);
    assert_eq!(h.state(), Some(StateName::CodeExpired));
    let (id, _) = code_request(&h.send(Event::GetNewCode));
    let out = h.send(Event::CodeLoaded {
        id,
        result: Ok(CodeAnswer::Connected),
    });
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
    assert_eq!(h.state(), Some(StateName::Connected));
}

// Offline, sleep, the back-forward cache.

fn all_fetches(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| !matches!(c, Command::Emit(_)))
        .count()
}

#[test]
fn offline_stops_every_call_and_spends_no_qr_call() {
    let mut h = Harness::new();
    h.showing_first_code();
    let out = h.send(Event::Online(false));
    assert_eq!(h.state(), Some(StateName::Offline));
    assert_eq!(events(&out), vec![WidgetEvent::State(StateName::Offline)]);
    assert!(!h.machine.wants_ticks());
    // Minutes pass, the user clicks around: nothing is fetched.
    assert_eq!(all_fetches(&h.advance(120_000.0)), 0);
    for event in [Event::GetNewCode, Event::ConfirmPhone, Event::Tick] {
        assert_eq!(all_fetches(&h.send(event)), 0);
    }
    // Back online: a fresh cycle from the status check, with all three QR calls.
    let id = status_id(&h.send(Event::Online(true)));
    assert_eq!(h.state(), Some(StateName::Loading));
    let mut qr = qr_id(&h.status(id, Ok(StatusAnswer::NotConnected)));
    for _ in 0..2 {
        h.qr(qr, Ok(QrAnswer::Code(svg_code())));
        qr = qr_id(&h.advance(15_000.0));
    }
    h.qr(qr, Ok(QrAnswer::Code(svg_code())));
    h.advance(15_000.0);
    assert_eq!(h.state(), Some(StateName::Paused));
}

#[test]
fn an_answer_that_arrives_offline_is_dropped() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    h.send(Event::Online(false));
    let out = h.status(id, Ok(StatusAnswer::NotConnected));
    assert_eq!(all_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::Offline));
}

#[test]
fn a_widget_started_offline_waits_for_the_connection() {
    let mut h = Harness::new();
    h.send(Event::Online(false));
    assert_eq!(h.state(), None, "stopped widgets stay stopped");
    assert_eq!(all_fetches(&h.send(Event::Start)), 0);
    assert_eq!(h.state(), Some(StateName::Offline));
    status_id(&h.send(Event::Online(true)));
}

#[test]
fn offline_leaves_a_linked_phone_linked() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.advance(5_000.0));
    h.status(id, Ok(StatusAnswer::Connected));
    assert!(h.send(Event::Online(false)).is_empty());
    assert!(h.send(Event::Online(true)).is_empty());
    assert_eq!(h.state(), Some(StateName::Connected));
}

#[test]
fn the_typed_number_survives_a_lost_connection() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    h.send(Event::Online(false));
    let id = status_id(&h.send(Event::Online(true)));
    h.status(id, Ok(StatusAnswer::NotConnected));
    match h.machine.phase() {
        Phase::PhoneInput { value, problem } => {
            assert_eq!(value, "+55 11 91234-5678");
            assert_eq!(*problem, None);
        }
        other => panic!("expected the phone input, got {other:?}"),
    }
}

#[test]
fn a_qr_past_its_lifetime_is_never_shown_after_a_sleep() {
    let mut h = Harness::new();
    h.showing_first_code();
    // The lid opens minutes later: the first tick sees the jump.
    h.now += 300_000.0;
    let out = h.send(Event::Tick);
    assert_eq!(h.state(), Some(StateName::Loading));
    h.qr(qr_id(&out), Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.state(), Some(StateName::Qr));
}

#[test]
fn the_last_qr_pauses_after_a_sleep() {
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    h.now += 300_000.0;
    let out = h.send(Event::Tick);
    assert_eq!(h.state(), Some(StateName::Paused));
    assert_eq!(all_fetches(&out), 0);
}

#[test]
fn a_late_replacement_hides_the_dead_code() {
    let mut h = Harness::new();
    h.showing_first_code();
    h.advance(15_000.0);
    assert!(matches!(
        h.machine.phase(),
        Phase::Qr {
            refreshing: true,
            ..
        }
    ));
    h.advance(4_000.0);
    assert_eq!(h.state(), Some(StateName::Qr), "still within its 20 s");
    h.advance(1_000.0);
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn a_phone_code_is_expired_after_a_sleep() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    h.now += 600_000.0;
    let out = h.send(Event::Tick);
    assert_eq!(h.state(), Some(StateName::CodeExpired));
    assert_eq!(all_fetches(&out), 0);
}

#[test]
fn a_page_restored_from_the_cache_checks_the_status_again() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.send(Event::Restored));
    assert_eq!(h.state(), Some(StateName::Loading));
    // Scanned while the page was away.
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
    let mut idle = Harness::new();
    assert!(idle.send(Event::Restored).is_empty());
    assert_eq!(idle.state(), None);
}

#[test]
fn a_pause_is_still_a_pause_after_the_connection_comes_back() {
    let mut h = Harness::new();
    h.showing_first_code();
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    h.advance(15_000.0);
    assert_eq!(h.state(), Some(StateName::Paused));
    h.send(Event::Online(false));
    assert_eq!(h.state(), Some(StateName::Offline));
    assert_eq!(all_fetches(&h.send(Event::Online(true))), 0);
    assert_eq!(h.state(), Some(StateName::Paused));
    // The user's click while offline waits for the connection, then fetches.
    h.send(Event::Online(false));
    assert_eq!(all_fetches(&h.send(Event::GetNewCode)), 0);
    assert_eq!(h.state(), Some(StateName::Offline));
    status_id(&h.send(Event::Online(true)));
}

// The extension code, for accounts that WhatsApp asks for a passkey.

const MINUTE_MS: f64 = 60_000.0;
/// The relay's clock is this far behind a whole second when it answers.
const RELAY_MS_INTO_SECOND: f64 = 400.0;

fn extension_id(commands: &[Command]) -> RequestId {
    let ids: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchExtensionToken { id } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "expected one extension-token fetch in {commands:?}"
    );
    ids[0]
}

fn extension_fetches(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::FetchExtensionToken { .. }))
        .count()
}

impl Harness {
    /// Answers extension-token request `id` with a code that expires `left_ms` after the
    /// relay's clock, which is `skew_ms` behind this computer's, with or without its `Date`
    /// header.
    fn extension(
        &mut self,
        id: RequestId,
        left_ms: f64,
        skew_ms: f64,
        date_header: bool,
    ) -> Vec<Command> {
        // Into its second, as a real clock is; `Date` drops the milliseconds.
        let relay_clock = self.now - skew_ms - RELAY_MS_INTO_SECOND;
        let date = (relay_clock / 1000.0).floor() * 1000.0;
        self.send(Event::ExtensionLoaded {
            id,
            result: Ok(ExtensionAnswer::Code {
                token: "FA48-HS63".into(),
                expires_at_ms: relay_clock + left_ms,
                relay_now_ms: date_header.then_some(date),
            }),
        })
    }

    /// From the first QR code, "Having trouble connecting?" and a fresh 5-minute code.
    fn showing_extension_code(&mut self) -> Vec<Command> {
        self.showing_first_code();
        let id = extension_id(&self.send(Event::OpenExtension));
        let out = self.extension(id, 5.0 * MINUTE_MS, 0.0, true);
        assert_eq!(self.state(), Some(StateName::ExtensionCode));
        out
    }
}

#[test]
fn the_trouble_link_leaves_the_qr_for_an_extension_code() {
    let mut h = Harness::new();
    h.showing_first_code();
    let out = h.send(Event::OpenExtension);
    let id = extension_id(&out);
    assert_eq!(all_fetches(&out), 1, "no QR or status call beside it");
    assert_eq!(h.state(), Some(StateName::Loading));
    assert!(!h.machine.wants_ticks(), "the QR's countdown is gone");
    let out = h.extension(id, 5.0 * MINUTE_MS, 0.0, true);
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::ExtensionCode),
            WidgetEvent::Code {
                kind: CodeKind::Extension,
                expires_at_ms: h.now + 5.0 * MINUTE_MS - RELAY_MS_INTO_SECOND,
            },
        ]
    );
    assert!(matches!(
        h.machine.phase(),
        Phase::ExtensionCode { token, .. } if token == "FA48-HS63"
    ));
    assert_eq!(h.machine.countdown_secs(h.now), Some(300));
    assert!(h.machine.wants_ticks());
}

#[test]
fn the_trouble_link_works_from_every_screen_that_shows_it() {
    let mut paused = paused();
    extension_id(&paused.send(Event::OpenExtension));
    let mut phone = Harness::with(phone_config());
    phone.showing_phone_code();
    extension_id(&phone.send(Event::OpenExtension));
    let mut expired = Harness::with(phone_config());
    expired.showing_phone_code();
    expired.advance(180_000.0);
    assert_eq!(expired.state(), Some(StateName::CodeExpired));
    extension_id(&expired.send(Event::OpenExtension));
}

#[test]
fn the_trouble_link_means_nothing_where_no_code_could_link() {
    let mut loading = Harness::new();
    loading.send(Event::Start);
    assert!(loading.send(Event::OpenExtension).is_empty());
    let mut linked = Harness::new();
    linked.showing_first_code();
    let id = status_id(&linked.advance(POLL_MS));
    linked.status(id, Ok(StatusAnswer::Connected));
    assert!(linked.send(Event::OpenExtension).is_empty());
    assert_eq!(linked.state(), Some(StateName::Connected));
    let mut idle = Harness::new();
    assert!(idle.send(Event::OpenExtension).is_empty());
}

#[test]
fn the_extension_code_lives_until_expires_at_and_then_waits_for_the_user() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    // Z-API's code may have less than its 5 minutes left.
    h.extension(id, 2.0 * MINUTE_MS, 0.0, true);
    assert_eq!(h.machine.countdown_secs(h.now), Some(120));
    let out = h.advance(119_000.0);
    assert_eq!(h.state(), Some(StateName::ExtensionCode));
    assert_eq!(extension_fetches(&out), 0, "a shown code never changes");
    assert_eq!(h.machine.countdown_secs(h.now), Some(1));
    let out = h.advance(1_000.0);
    assert_eq!(h.state(), Some(StateName::ExtensionExpired));
    assert_eq!(
        events(&out),
        vec![
            WidgetEvent::State(StateName::ExtensionExpired),
            WidgetEvent::Expired {
                kind: CodeKind::Extension
            },
        ]
    );
    assert!(!h.machine.wants_ticks());
    assert!(
        h.advance(10.0 * MINUTE_MS).is_empty(),
        "nothing until asked"
    );
    let id = extension_id(&h.send(Event::GetNewCode));
    h.extension(id, 5.0 * MINUTE_MS, 0.0, true);
    assert_eq!(h.state(), Some(StateName::ExtensionCode));
    assert_eq!(h.machine.countdown_secs(h.now), Some(300));
}

#[test]
fn status_is_polled_while_the_extension_code_is_shown_and_a_link_is_noticed() {
    let mut h = Harness::new();
    h.showing_extension_code();
    let mut polls = 0;
    for _ in 0..6 {
        let out = h.advance(POLL_MS);
        assert_eq!(
            qr_fetches(&out),
            0,
            "no QR call while the extension code shows"
        );
        let id = status_id(&out);
        polls += 1;
        h.status(id, Ok(StatusAnswer::NotConnected));
    }
    assert_eq!(polls, 6);
    // A failed background check changes nothing.
    let id = status_id(&h.advance(POLL_MS));
    h.status(id, Err(error(ErrorCode::Timeout)));
    assert_eq!(h.state(), Some(StateName::ExtensionCode));
    // Linked through the extension.
    let id = status_id(&h.advance(POLL_MS));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
    assert!(h.advance(10.0 * MINUTE_MS).is_empty());
}

#[test]
fn a_poll_finding_a_dropped_session_during_the_extension_code_shows_restore_session() {
    let mut h = Harness::new();
    h.showing_extension_code();
    let id = status_id(&h.advance(POLL_MS));
    h.status(id, Ok(StatusAnswer::RestoreSession));
    assert_eq!(h.state(), Some(StateName::RestoreSession));
}

#[test]
fn an_expired_extension_code_is_no_longer_polled() {
    let mut h = Harness::new();
    h.showing_extension_code();
    let out = h.advance(5.0 * MINUTE_MS);
    assert_eq!(h.state(), Some(StateName::ExtensionExpired));
    // The poll that was in flight when the code expired is not waited for.
    let late = status_fetches(&out);
    assert!(late > 0);
    assert_eq!(all_fetches(&h.advance(MINUTE_MS)), 0);
}

#[test]
fn nothing_is_fetched_for_the_extension_code_while_hidden() {
    let mut h = Harness::new();
    h.showing_extension_code();
    h.send(Event::Hidden(true));
    assert!(!h.machine.wants_ticks());
    let out = h.advance(2.0 * MINUTE_MS);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(h.state(), Some(StateName::ExtensionCode));
    // Shown again: the link is checked at once, on the same code.
    let out = h.send(Event::Hidden(false));
    assert_eq!(status_fetches(&out), 1);
    assert_eq!(extension_fetches(&out), 0);
    assert_eq!(h.machine.countdown_secs(h.now), Some(180));
}

#[test]
fn an_extension_code_that_ran_out_while_hidden_is_expired_at_once() {
    let mut h = Harness::new();
    h.showing_extension_code();
    h.send(Event::Hidden(true));
    h.now += 6.0 * MINUTE_MS;
    let out = h.send(Event::Hidden(false));
    assert_eq!(h.state(), Some(StateName::ExtensionExpired));
    assert_eq!(all_fetches(&out), 0);
    assert!(events(&out).contains(&WidgetEvent::Expired {
        kind: CodeKind::Extension
    }));
}

/// The countdown shown for a fresh 5-minute code answered to a computer whose clock is
/// `skew_ms` ahead of the relay's, and when it expires by the computer's own clock.
fn lifetime_with_skew(skew_ms: f64, date_header: bool, left_ms: f64) -> (u32, f64) {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    let out = h.extension(id, left_ms, skew_ms, date_header);
    let Some(WidgetEvent::Code { expires_at_ms, .. }) = events(&out).into_iter().nth(1) else {
        panic!("no zapi-code in {out:?}");
    };
    let shown = h.machine.countdown_secs(h.now).unwrap();
    let started = h.now;
    while h.state() == Some(StateName::ExtensionCode) {
        h.advance(1_000.0);
        assert!(h.now - started <= 20.0 * MINUTE_MS, "never expired");
    }
    assert!(
        (0.0..1_000.0).contains(&(h.now - expires_at_ms)),
        "expired at the first tick after the event's expiresAt"
    );
    (shown, h.now - started)
}

#[test]
fn the_relays_date_header_counts_the_code_down_whatever_the_computers_clock() {
    for skew_ms in [10.0 * MINUTE_MS, -10.0 * MINUTE_MS, 0.0, 90_000.0] {
        assert_eq!(
            lifetime_with_skew(skew_ms, true, 5.0 * MINUTE_MS),
            (300, 5.0 * MINUTE_MS),
            "computer {skew_ms} ms off"
        );
        // A code that has 2 of its minutes left lives 2 minutes, by the relay's clock.
        assert_eq!(
            lifetime_with_skew(skew_ms, true, 2.0 * MINUTE_MS),
            (120, 2.0 * MINUTE_MS),
            "computer {skew_ms} ms off"
        );
    }
}

#[test]
fn without_a_date_header_a_wrong_clock_gives_the_whole_five_minutes() {
    // 10 minutes fast: by the computer's clock the code expired 5 minutes ago.
    assert_eq!(
        lifetime_with_skew(10.0 * MINUTE_MS, false, 5.0 * MINUTE_MS),
        (300, 5.0 * MINUTE_MS)
    );
    // 10 minutes slow: by the computer's clock the code would live 15 minutes.
    assert_eq!(
        lifetime_with_skew(-10.0 * MINUTE_MS, false, 5.0 * MINUTE_MS),
        (300, 5.0 * MINUTE_MS)
    );
    // A right clock needs no header.
    assert_eq!(
        lifetime_with_skew(0.0, false, 2.0 * MINUTE_MS),
        (120, 2.0 * MINUTE_MS)
    );
}

#[test]
fn extension_lifetime_clamps_and_falls_back() {
    let now = 1_782_851_000_000.0;
    let max = EXTENSION_CODE_MAX_MS;
    // The `Date` header counts whole seconds: the relay's clock is up to one later.
    assert_eq!(
        extension_lifetime_ms(now + 60_000.0, Some(now), now + 3_600_000.0),
        59_000.0
    );
    // A relay's clock a little behind Z-API's: a fresh code seems a little over 5 minutes.
    assert_eq!(
        extension_lifetime_ms(now + max + 3_000.0, Some(now), now),
        max
    );
    // A relay whose own clock is off: the computer's clock is tried next.
    assert_eq!(
        extension_lifetime_ms(now + 60_000.0, Some(now + 3_600_000.0), now),
        60_000.0
    );
    assert_eq!(
        extension_lifetime_ms(now + 60_000.0, Some(now - 3_600_000.0), now),
        60_000.0
    );
    // Both clocks off: the longest a code lives.
    assert_eq!(
        extension_lifetime_ms(now, Some(now + 3_600_000.0), now + 3_600_000.0),
        max
    );
    assert_eq!(
        extension_lifetime_ms(now, None, now),
        max,
        "expired on arrival"
    );
}

#[test]
fn back_returns_to_the_qr_with_a_fresh_cycle_of_three_calls() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = qr_id(&h.advance(15_000.0));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    let id = extension_id(&h.send(Event::OpenExtension));
    h.extension(id, 5.0 * MINUTE_MS, 0.0, true);
    let out = h.send(Event::Back);
    let id = qr_id(&out);
    assert_eq!(h.state(), Some(StateName::Loading));
    h.qr(id, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.state(), Some(StateName::Qr));
    for _ in 0..2 {
        let id = qr_id(&h.advance(15_000.0));
        h.qr(id, Ok(QrAnswer::Code(svg_code())));
    }
    h.advance(15_000.0);
    assert_eq!(h.state(), Some(StateName::Paused), "after three calls");
}

#[test]
fn back_returns_to_the_phone_number_typed() {
    let mut h = Harness::with(phone_config());
    h.showing_phone_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    h.extension(id, 5.0 * MINUTE_MS, 0.0, true);
    h.advance(5.0 * MINUTE_MS);
    assert_eq!(h.state(), Some(StateName::ExtensionExpired));
    let out = h.send(Event::Back);
    assert_eq!(all_fetches(&out), 0);
    assert_eq!(
        h.machine.phase(),
        &Phase::PhoneInput {
            value: "+55 11 91234-5678".into(),
            problem: None
        }
    );
    // Back means nothing elsewhere.
    assert!(h.send(Event::Back).is_empty());
}

#[test]
fn a_late_extension_answer_after_back_is_ignored() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    assert!(h.machine.awaits(id));
    // No back button while loading, but a method change or a restart abandons it too.
    h.send(Event::Refresh);
    assert!(!h.machine.awaits(id));
    assert!(h.extension(id, 5.0 * MINUTE_MS, 0.0, true).is_empty());
    assert_eq!(h.state(), Some(StateName::Loading));
}

#[test]
fn the_extension_token_answer_may_say_the_phone_is_linked() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    let out = h.send(Event::ExtensionLoaded {
        id,
        result: Ok(ExtensionAnswer::Connected),
    });
    assert_eq!(
        h.state(),
        Some(StateName::Connected),
        "a QR was shown before"
    );
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
}

#[test]
fn a_failed_extension_token_is_an_error_and_retry_checks_the_status_again() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = extension_id(&h.send(Event::OpenExtension));
    let out = h.send(Event::ExtensionLoaded {
        id,
        result: Err(error(ErrorCode::MalformedResponse)),
    });
    assert_error_then_retry(&mut h, out, ErrorCode::MalformedResponse);
}

#[test]
fn the_extension_code_is_shown_again_after_the_connection_comes_back() {
    let mut h = Harness::new();
    h.showing_extension_code();
    h.send(Event::Online(false));
    assert_eq!(h.state(), Some(StateName::Offline));
    assert!(h.advance(30_000.0).is_empty());
    assert_eq!(all_fetches(&h.send(Event::Online(true))), 0);
    assert_eq!(h.state(), Some(StateName::ExtensionCode));
    assert_eq!(h.machine.countdown_secs(h.now), Some(270));
    // The link may have happened meanwhile: checked at the next tick.
    status_id(&h.advance(1_000.0));
    // "Having trouble connecting?" while offline waits for the connection.
    let mut offline = Harness::new();
    offline.showing_first_code();
    offline.send(Event::Online(false));
    assert_eq!(all_fetches(&offline.send(Event::OpenExtension)), 0);
}

// The linked phone on the connected screens, and unlinking it.

fn device() -> Device {
    Device {
        phone: "5511987654321".into(),
        name: Some("Loja Centro".into()),
        kind: Some(DeviceKind::Iphone),
        session_name: Some("Z-API".into()),
        picture: None,
    }
}

fn device_id(commands: &[Command]) -> RequestId {
    let ids: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchDevice { id } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "expected one device fetch in {commands:?}");
    ids[0]
}

fn disconnect_id(commands: &[Command]) -> RequestId {
    let ids: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Disconnect { id } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "expected one disconnect in {commands:?}");
    ids[0]
}

impl Harness {
    fn allowing_disconnect() -> Self {
        let mut h = Self::new();
        h.machine = Machine::new(Config {
            allow_disconnect: true,
            ..config()
        });
        h
    }

    /// Scanned while the first code is shown; returns the commands of the link.
    fn linked_by_scan(&mut self) -> Vec<Command> {
        self.showing_first_code();
        let id = status_id(&self.advance(5_000.0));
        let out = self.status(id, Ok(StatusAnswer::Connected));
        assert_eq!(self.state(), Some(StateName::Connected));
        out
    }

    /// Linked, and `/device` answered.
    fn showing_device(&mut self) {
        let id = device_id(&self.linked_by_scan());
        self.send(Event::DeviceLoaded {
            id,
            result: Ok(device()),
        });
        assert_eq!(self.device(), Some(DeviceInfo::Known(device())));
    }

    fn device(&self) -> Option<DeviceInfo> {
        self.machine.linked_phone().map(|card| card.device.clone())
    }

    fn disconnect_step(&self) -> Option<DisconnectStep> {
        self.machine
            .linked_phone()
            .map(|card| card.disconnect.clone())
    }
}

#[test]
fn a_link_asks_once_which_phone_it_is() {
    let mut h = Harness::new();
    let out = h.linked_by_scan();
    let id = device_id(&out);
    assert!(h.machine.awaits(id));
    assert_eq!(h.device(), Some(DeviceInfo::Loading));
    let out = h.send(Event::DeviceLoaded {
        id,
        result: Ok(device()),
    });
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(h.device(), Some(DeviceInfo::Known(device())));
    assert!(!h.machine.awaits(id));
    // Connected stays final: nothing more is asked.
    assert!(h.advance(120_000.0).is_empty());
    assert_eq!(h.send(Event::Hidden(true)), vec![]);
    assert_eq!(all_fetches(&h.send(Event::Hidden(false))), 0);
}

#[test]
fn an_instance_linked_before_the_widget_came_shows_its_phone_too() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    device_id(&out);
    assert_eq!(h.device(), Some(DeviceInfo::Loading));
}

#[test]
fn a_failed_device_answer_leaves_plain_connected_and_no_error() {
    for code in [
        ErrorCode::MalformedResponse,
        ErrorCode::RelayError,
        ErrorCode::Timeout,
    ] {
        let mut h = Harness::new();
        let id = device_id(&h.linked_by_scan());
        let out = h.send(Event::DeviceLoaded {
            id,
            result: Err(error(code)),
        });
        assert!(out.is_empty(), "no zapi-error, no state change: {out:?}");
        assert_eq!(h.state(), Some(StateName::Connected));
        assert_eq!(h.device(), Some(DeviceInfo::Unknown));
        assert!(h.advance(60_000.0).is_empty(), "not asked again");
    }
}

#[test]
fn a_late_device_answer_for_an_earlier_link_is_ignored() {
    let mut h = Harness::new();
    let first = device_id(&h.linked_by_scan());
    h.send(Event::Stop);
    assert!(!h.machine.awaits(first));
    assert!(h
        .send(Event::DeviceLoaded {
            id: first,
            result: Ok(device()),
        })
        .is_empty());
    assert_eq!(h.device(), None, "no card off the connected screens");
    // Linked again: the old answer does not fill the new card.
    let id = status_id(&h.send(Event::Start));
    let second = device_id(&h.status(id, Ok(StatusAnswer::Connected)));
    assert_ne!(first, second);
    h.send(Event::DeviceLoaded {
        id: first,
        result: Ok(device()),
    });
    assert_eq!(h.device(), Some(DeviceInfo::Loading));
}

#[test]
fn a_link_noticed_while_hidden_asks_for_the_phone_once_visible() {
    let mut h = Harness::new();
    h.showing_first_code();
    let id = status_id(&h.advance(5_000.0));
    h.send(Event::Hidden(true));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert_eq!(all_fetches(&out), 0, "nothing is fetched while hidden");
    assert_eq!(h.device(), Some(DeviceInfo::Loading));
    let out = h.send(Event::Hidden(false));
    device_id(&out);
    // Hidden and shown again while it is on its way: still one request.
    h.send(Event::Hidden(true));
    assert_eq!(all_fetches(&h.send(Event::Hidden(false))), 0);
}

#[test]
fn without_the_opt_in_there_is_no_way_to_disconnect() {
    let mut h = Harness::new();
    h.showing_device();
    for event in [Event::AskDisconnect, Event::ConfirmDisconnect] {
        assert!(h.send(event).is_empty());
        assert_eq!(h.disconnect_step(), Some(DisconnectStep::Offered));
    }
}

#[test]
fn disconnecting_asks_first_and_cancel_sends_nothing() {
    let mut h = Harness::allowing_disconnect();
    h.showing_device();
    assert!(
        h.send(Event::ConfirmDisconnect).is_empty(),
        "nothing before the question"
    );
    assert!(h.send(Event::AskDisconnect).is_empty());
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Confirming));
    assert!(h.send(Event::CancelDisconnect).is_empty());
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Offered));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(h.send(Event::ConfirmDisconnect).is_empty(), "cancelled");
}

#[test]
fn a_confirmed_disconnect_starts_afresh_with_a_status_check() {
    let mut h = Harness::allowing_disconnect();
    h.showing_device();
    h.send(Event::AskDisconnect);
    let out = h.send(Event::ConfirmDisconnect);
    let id = disconnect_id(&out);
    assert_eq!(all_fetches(&out), 1);
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Sending));
    assert!(h.machine.awaits(id));
    // A second click while it is on its way sends nothing more.
    assert!(h.send(Event::ConfirmDisconnect).is_empty());
    assert!(h.send(Event::AskDisconnect).is_empty());
    let out = h.send(Event::Disconnected { id, result: Ok(()) });
    assert_eq!(h.state(), Some(StateName::Loading));
    assert_eq!(h.machine.linked_phone(), None);
    let status = status_id(&out);
    let qr = qr_id(&h.status(status, Ok(StatusAnswer::NotConnected)));
    h.qr(qr, Ok(QrAnswer::Code(svg_code())));
    assert_eq!(h.state(), Some(StateName::Qr));
    // A new scan is a new link, not "already connected", with its own card.
    let id = status_id(&h.advance(5_000.0));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
    device_id(&out);
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Offered));
}

#[test]
fn a_disconnect_back_to_the_qr_flow_follows_the_hosts_order_again() {
    let mut h = Harness::allowing_disconnect();
    let id = status_id(&h.send(Event::Start));
    h.status(id, Ok(StatusAnswer::NotConnected));
    h.send(Event::ChooseMethod(Method::Phone));
    assert_eq!(h.machine.method(), Method::Phone);
    let id = status_id(&h.send(Event::Refresh));
    let id = device_id(&h.status(id, Ok(StatusAnswer::Connected)));
    h.send(Event::DeviceLoaded {
        id,
        result: Ok(device()),
    });
    h.send(Event::AskDisconnect);
    let id = disconnect_id(&h.send(Event::ConfirmDisconnect));
    let status = status_id(&h.send(Event::Disconnected { id, result: Ok(()) }));
    qr_id(&h.status(status, Ok(StatusAnswer::NotConnected)));
    assert_eq!(h.machine.method(), Method::Qr);
}

#[test]
fn a_failed_disconnect_is_an_error_on_the_card_which_stays() {
    let mut h = Harness::allowing_disconnect();
    h.showing_device();
    h.send(Event::AskDisconnect);
    let id = disconnect_id(&h.send(Event::ConfirmDisconnect));
    let out = h.send(Event::Disconnected {
        id,
        result: Err(error(ErrorCode::RelayError)),
    });
    assert_eq!(
        events(&out),
        vec![WidgetEvent::Error(error(ErrorCode::RelayError))]
    );
    assert_eq!(all_fetches(&out), 0);
    assert_eq!(h.state(), Some(StateName::Connected));
    assert_eq!(h.device(), Some(DeviceInfo::Known(device())));
    assert_eq!(
        h.disconnect_step(),
        Some(DisconnectStep::Failed(error(ErrorCode::RelayError)))
    );
    // It can be tried again, asking again first.
    h.send(Event::AskDisconnect);
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Confirming));
    disconnect_id(&h.send(Event::ConfirmDisconnect));
}

#[test]
fn no_disconnect_before_the_card_shows_which_phone() {
    for answer in [None, Some(Err(error(ErrorCode::Timeout)))] {
        let mut h = Harness::allowing_disconnect();
        let id = device_id(&h.linked_by_scan());
        if let Some(result) = answer {
            h.send(Event::DeviceLoaded { id, result });
        }
        assert!(h.send(Event::AskDisconnect).is_empty());
        assert!(h.send(Event::ConfirmDisconnect).is_empty());
        assert_eq!(h.disconnect_step(), Some(DisconnectStep::Offered));
    }
}

#[test]
fn withdrawing_the_opt_in_closes_the_question() {
    let mut h = Harness::allowing_disconnect();
    h.showing_device();
    h.send(Event::AskDisconnect);
    assert!(h.send(Event::ConfigChanged(config())).is_empty());
    assert_eq!(h.disconnect_step(), Some(DisconnectStep::Offered));
    assert!(h.send(Event::ConfirmDisconnect).is_empty());
}

#[test]
fn stopping_forgets_a_disconnect_on_its_way() {
    let mut h = Harness::allowing_disconnect();
    h.showing_device();
    h.send(Event::AskDisconnect);
    let id = disconnect_id(&h.send(Event::ConfirmDisconnect));
    h.send(Event::Stop);
    assert!(!h.machine.awaits(id));
    assert!(h
        .send(Event::Disconnected { id, result: Ok(()) })
        .is_empty());
    assert_eq!(h.state(), None);
}

// The relay's event stream.

fn stream_opens(commands: &[Command]) -> Vec<RequestId> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::OpenStream { id } => Some(*id),
            _ => None,
        })
        .collect()
}

fn stream_id(commands: &[Command]) -> RequestId {
    let opens = stream_opens(commands);
    assert_eq!(opens.len(), 1, "expected one stream opened in {commands:?}");
    opens[0]
}

impl Harness {
    /// A QR shown, with the stream the status check led to open and heard from.
    fn showing_code_with_stream(&mut self) -> RequestId {
        let id = status_id(&self.send(Event::Start));
        let out = self.status(id, Ok(StatusAnswer::NotConnected));
        let stream = stream_id(&out);
        self.qr(qr_id(&out), Ok(QrAnswer::Code(svg_code())));
        self.send(Event::StreamOpened { id: stream });
        assert!(self.machine.stream_healthy(self.now));
        stream
    }

    fn news(&mut self, id: RequestId, news: StreamNews) -> Vec<Command> {
        self.send(Event::StreamNews { id, news })
    }

    /// Runs `ms` in one-second ticks, answering every `/status` "not connected" and every QR
    /// with a code, and the stream's heartbeat every 15 s while `stream` is given; counts the
    /// status checks, and keeps the streams opened in `opened`.
    fn run_answering(&mut self, ms: f64, stream: Option<RequestId>) -> usize {
        self.run_answering_into(ms, stream, &mut Vec::new())
    }

    fn run_answering_into(
        &mut self,
        ms: f64,
        stream: Option<RequestId>,
        opened: &mut Vec<RequestId>,
    ) -> usize {
        let end = self.now + ms;
        let mut statuses = 0;
        let mut pending = Vec::new();
        while self.now < end {
            self.now += 1000.0;
            pending.extend(self.send(Event::Tick));
            if let Some(id) = stream.filter(|_| (self.now as u64 / 1000).is_multiple_of(15)) {
                pending.extend(self.news(id, StreamNews::Alive));
            }
            while let Some(command) = pending.pop() {
                pending.extend(match command {
                    Command::FetchStatus { id } => {
                        statuses += 1;
                        self.status(id, Ok(StatusAnswer::NotConnected))
                    }
                    Command::FetchQr { id, .. } => self.qr(id, Ok(QrAnswer::Code(svg_code()))),
                    Command::OpenStream { id, .. } => {
                        opened.push(id);
                        Vec::new()
                    }
                    _ => Vec::new(),
                });
            }
        }
        statuses
    }
}

#[test]
fn the_stream_opens_after_the_first_status_and_not_before() {
    let mut h = Harness::with_streams();
    let out = h.send(Event::Start);
    assert!(stream_opens(&out).is_empty());
    let out = h.status(status_id(&out), Ok(StatusAnswer::NotConnected));
    assert_eq!(stream_opens(&out).len(), 1);
    // Nothing opens it twice while it opens.
    assert!(stream_opens(&h.advance(40_000.0)).is_empty());
}

#[test]
fn an_already_linked_phone_gets_no_stream() {
    let mut h = Harness::with_streams();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    assert!(stream_opens(&out).is_empty());
    assert!(stream_opens(&h.advance(120_000.0)).is_empty());
}

#[test]
fn a_relay_without_a_stream_is_asked_once_in_the_widgets_life() {
    let mut h = Harness::with_streams();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::NotConnected));
    let stream = stream_id(&out);
    h.qr(qr_id(&out), Ok(QrAnswer::Code(svg_code())));
    h.send(Event::StreamEnded {
        id: stream,
        end: StreamEnd::Absent,
    });
    let mut opened = Vec::new();
    h.run_answering_into(600_000.0, None, &mut opened);
    let mut out = h.send(Event::Hidden(true));
    out.extend(h.send(Event::Hidden(false)));
    let refreshed = h.send(Event::Refresh);
    out.extend(h.status(status_id(&refreshed), Ok(StatusAnswer::NotConnected)));
    out.extend(refreshed);
    h.run_answering_into(600_000.0, None, &mut opened);
    assert!(stream_opens(&out).is_empty(), "{out:?}");
    assert!(opened.is_empty(), "{opened:?}");
}

#[test]
fn a_healthy_stream_leaves_at_most_two_status_checks_a_minute() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    assert!(h.run_answering(60_000.0, Some(stream)) <= 2);
    // The QR still refreshes and pauses after three calls as without a stream.
    assert_eq!(h.state(), Some(StateName::Paused));
}

#[test]
fn without_a_stream_the_status_is_polled_every_five_seconds() {
    let mut h = Harness::new();
    h.showing_first_code();
    // 60 s of QR: refreshes at 15 and 30 s replace a poll each, the pause at 45 s ends them.
    let polls = h.run_answering(40_000.0, None);
    assert!(polls >= 5, "{polls}");
}

#[test]
fn a_connected_event_is_confirmed_by_one_status_check() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let out = h.news(stream, StreamNews::Linked);
    let id = status_id(&out);
    // A second event while the check is on its way asks nothing more.
    assert_eq!(status_fetches(&h.news(stream, StreamNews::Linked)), 0);
    let out = h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(events(&out).contains(&WidgetEvent::Connected { already: false }));
}

#[test]
fn a_connected_event_for_another_link_changes_nothing() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let id = status_id(&h.news(stream, StreamNews::Linked));
    h.status(id, Ok(StatusAnswer::NotConnected));
    assert_eq!(h.state(), Some(StateName::Qr));
    assert!(h.machine.awaits(stream));
}

#[test]
fn a_connected_event_on_the_phone_input_is_confirmed_too() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    h.send(Event::ChooseMethod(Method::Phone));
    assert_eq!(h.state(), Some(StateName::PhoneInput));
    let id = status_id(&h.news(stream, StreamNews::Linked));
    h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
}

#[test]
fn a_silent_stream_is_dropped_after_45_seconds_and_polling_resumes_every_five() {
    let mut h = Harness::with_streams();
    // Codes at 0, 20 and 40 s: still one on screen when the stream is dropped.
    h.machine = Machine::new(config_with_interval(20));
    let stream = h.showing_code_with_stream();
    let mut opened = Vec::new();
    h.run_answering_into(45_000.0, None, &mut opened);
    assert!(h.machine.awaits(stream));
    h.run_answering_into(1_000.0, None, &mut opened);
    assert!(!h.machine.awaits(stream));
    assert!(!h.machine.stream_healthy(h.now));
    // Within five seconds a poll, and after the first backoff a new stream.
    let polls = h.run_answering_into(5_000.0, None, &mut opened);
    assert_eq!(polls, 1);
    assert_eq!(opened.len(), 1);
}

#[test]
fn a_stream_that_keeps_failing_is_opened_again_after_1_2_4_up_to_30_seconds() {
    let mut h = Harness::with_streams();
    let id = status_id(&h.send(Event::Start));
    let out = h.status(id, Ok(StatusAnswer::NotConnected));
    let mut stream = stream_id(&out);
    let mut waits = Vec::new();
    for _ in 0..8 {
        h.send(Event::StreamEnded {
            id: stream,
            end: StreamEnd::Dropped,
        });
        let failed_at = h.now;
        loop {
            let out = h.advance(1_000.0);
            if let Some(id) = stream_opens(&out).first() {
                stream = *id;
                break;
            }
            assert!(h.now - failed_at <= 60_000.0, "never opened again");
        }
        waits.push(((h.now - failed_at) / 1000.0) as u32);
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    // A stream that speaks starts the backoff over.
    h.send(Event::StreamOpened { id: stream });
    h.news(stream, StreamNews::Alive);
    h.send(Event::StreamEnded {
        id: stream,
        end: StreamEnd::Dropped,
    });
    assert_eq!(stream_opens(&h.advance(1_000.0)).len(), 1);
}

#[test]
fn a_dropped_stream_brings_back_five_second_polling() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    h.run_answering(20_000.0, Some(stream));
    h.send(Event::StreamEnded {
        id: stream,
        end: StreamEnd::Dropped,
    });
    assert_eq!(status_fetches(&h.advance(5_000.0)), 1);
}

#[test]
fn a_hidden_page_closes_the_stream_and_showing_it_opens_one_at_once() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let out = h.send(Event::Hidden(true));
    assert!(!h.machine.awaits(stream));
    assert!(stream_opens(&out).is_empty());
    assert!(stream_opens(&h.advance(120_000.0)).is_empty());
    let out = h.send(Event::Hidden(false));
    assert_eq!(stream_opens(&out).len(), 1);
}

#[test]
fn offline_stop_and_errors_close_the_stream() {
    for event in [Event::Online(false), Event::Stop] {
        let mut h = Harness::with_streams();
        let stream = h.showing_code_with_stream();
        h.send(event.clone());
        assert!(!h.machine.awaits(stream), "{event:?}");
        assert!(stream_opens(&h.advance(120_000.0)).is_empty(), "{event:?}");
    }
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let id = qr_id(&h.advance(15_000.0));
    h.qr(id, Err(error(ErrorCode::RelayUnreachable)));
    assert!(!h.machine.awaits(stream));
}

#[test]
fn an_unauthorized_stream_is_the_unauthorized_error() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let out = h.send(Event::StreamEnded {
        id: stream,
        end: StreamEnd::Unauthorized,
    });
    assert_eq!(
        events(&out),
        [
            WidgetEvent::State(StateName::Error),
            WidgetEvent::Error(error(ErrorCode::Unauthorized))
        ]
    );
}

#[test]
fn a_failing_stream_raises_no_error() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    for end in [StreamEnd::Dropped, StreamEnd::Absent] {
        let out = h.send(Event::StreamEnded { id: stream, end });
        assert!(events(&out).is_empty(), "{end:?}");
        assert_eq!(h.state(), Some(StateName::Qr));
    }
}

#[test]
fn news_from_a_stream_no_longer_read_is_ignored() {
    let mut h = Harness::with_streams();
    let old = h.showing_code_with_stream();
    h.send(Event::Hidden(true));
    let current = stream_id(&h.send(Event::Hidden(false)));
    assert_ne!(old, current);
    assert!(h.news(old, StreamNews::Linked).is_empty());
    h.send(Event::StreamEnded {
        id: old,
        end: StreamEnd::Absent,
    });
    assert!(h.machine.awaits(current));
}

impl Harness {
    /// Runs `ms` as the runtime does: a tick every second while a countdown wants them, else one
    /// tick at each wake-up the machine asks for. Returns how many ticks were sent.
    fn run_as_woken(&mut self, ms: f64, opened: &mut Vec<RequestId>) -> usize {
        let end = self.now + ms;
        let mut ticks = 0;
        loop {
            let next = if self.machine.wants_ticks() {
                self.now + 1000.0
            } else {
                match self.machine.wake_at_ms() {
                    Some(at) => at.max(self.now).ceil() + 1.0,
                    None => break,
                }
            };
            if next > end {
                break;
            }
            self.now = next;
            ticks += 1;
            opened.extend(stream_opens(&self.send(Event::Tick)));
        }
        self.now = end;
        ticks
    }

    /// The paused screen after a cycle of codes, with the stream open and heard from.
    fn paused_with_stream(&mut self) -> RequestId {
        let stream = self.showing_code_with_stream();
        self.run_answering(60_000.0, Some(stream));
        assert_eq!(self.state(), Some(StateName::Paused));
        assert!(self.machine.awaits(stream));
        self.news(stream, StreamNews::Alive);
        stream
    }
}

#[test]
fn the_connected_screen_closes_the_stream_and_keeps_no_timer() {
    let mut h = Harness::with_streams();
    let stream = h.showing_code_with_stream();
    let id = status_id(&h.news(stream, StreamNews::Linked));
    h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::Connected));
    assert!(!h.machine.awaits(stream));
    assert!(!h.machine.wants_ticks());
    assert_eq!(h.machine.wake_at_ms(), None);
    let mut opened = Vec::new();
    assert_eq!(h.run_as_woken(600_000.0, &mut opened), 0);
    assert!(opened.is_empty(), "{opened:?}");
}

#[test]
fn on_the_paused_screen_a_dropped_stream_is_opened_again_by_wake_ups_alone() {
    let mut h = Harness::with_streams();
    let stream = h.paused_with_stream();
    assert!(!h.machine.wants_ticks());
    assert_eq!(h.machine.wake_at_ms(), Some(h.now + STREAM_SILENCE_MS));
    h.send(Event::StreamEnded {
        id: stream,
        end: StreamEnd::Dropped,
    });
    assert_eq!(h.machine.wake_at_ms(), Some(h.now + STREAM_BACKOFF_MS));
    let mut opened = Vec::new();
    let ticks = h.run_as_woken(5_000.0, &mut opened);
    assert_eq!(opened.len(), 1, "{opened:?}");
    // One wake-up to open it, then only its silence check, not due within these 5 s.
    assert_eq!(ticks, 1);
}

#[test]
fn on_the_paused_screen_a_heard_stream_costs_no_tick_and_a_silent_one_is_opened_again() {
    let mut h = Harness::with_streams();
    let stream = h.paused_with_stream();
    // A heartbeat every 15 s moves the silence check: ten minutes cost no tick at all.
    let mut ticks = 0;
    for _ in 0..40 {
        ticks += h.run_as_woken(15_000.0, &mut Vec::new());
        h.news(stream, StreamNews::Alive);
    }
    assert_eq!(ticks, 0);
    assert!(h.machine.awaits(stream));
    let mut opened = Vec::new();
    h.run_as_woken(STREAM_SILENCE_MS + STREAM_BACKOFF_MS + 2_000.0, &mut opened);
    assert!(!h.machine.awaits(stream));
    assert_eq!(opened.len(), 1, "{opened:?}");
    // Hidden: no stream, so nothing to wake for.
    h.send(Event::Hidden(true));
    assert_eq!(h.machine.wake_at_ms(), None);
    assert!(!h.machine.wants_ticks());
}

#[test]
fn a_qr_on_screen_ticks_every_second_and_needs_no_wake_up() {
    let mut h = Harness::with_streams();
    h.showing_code_with_stream();
    assert!(h.machine.wants_ticks());
    assert_eq!(h.machine.wake_at_ms(), None);
    // The paused screen has no countdown: the stream's check is its only timer.
    h.run_answering(60_000.0, None);
    assert_eq!(h.state(), Some(StateName::Paused));
    assert!(!h.machine.wants_ticks());
    assert!(h.machine.wake_at_ms().is_some());
}

#[test]
fn without_a_stream_the_connected_screen_has_no_timer_at_all() {
    let mut h = Harness::new();
    let id = status_id(&h.send(Event::Start));
    h.status(id, Ok(StatusAnswer::Connected));
    assert_eq!(h.state(), Some(StateName::AlreadyConnected));
    assert!(!h.machine.wants_ticks());
    assert_eq!(h.machine.wake_at_ms(), None);
}
