//! Reading a Server-Sent Events stream, as the HTML standard's "event stream interpretation"
//! describes it: lines ending in CRLF, LF or CR, `field: value` lines, comments, and a blank
//! line ending each event. Chunks may split it anywhere, even between a CR and its LF.
//!
//! The widget needs only each event's name: `id` and `data` are read as the standard says (an
//! event without data is no event) but not kept. The relay is trusted with little: an event, or
//! a line, longer than [`MAX_EVENT_BYTES`] is dropped as it arrives, so that a stream never
//! holds more than that in memory.

/// The most an event (all its lines) may take; the relay's events are a few dozen bytes.
pub const MAX_EVENT_BYTES: usize = 4_096;

/// What a stream said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, `message` when none was given.
    pub name: String,
}

/// One thing read from the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SseItem {
    Event(SseEvent),
    /// A comment line, such as the relay's `: heartbeat`.
    Comment,
}

/// Turns the stream's bytes into events, chunk by chunk.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The current line outgrew the cap: the rest of it is skipped.
    line_too_long: bool,
    /// The last chunk ended in a CR, so a LF opening the next one ends nothing.
    after_cr: bool,
    name: Option<String>,
    has_data: bool,
    /// Bytes the current event's lines took so far.
    event_bytes: usize,
    /// The current event outgrew the cap: it is dropped at its blank line.
    event_too_long: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `chunk`, and appends to `out` what it completes.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseItem>) {
        for &byte in chunk {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    self.end_line(out);
                }
                _ if self.line_too_long => {}
                _ if self.line.len() >= MAX_EVENT_BYTES => {
                    self.line.clear();
                    self.line_too_long = true;
                    self.event_too_long = true;
                }
                _ => self.line.push(byte),
            }
        }
    }

    fn end_line(&mut self, out: &mut Vec<SseItem>) {
        let line = std::mem::take(&mut self.line);
        if std::mem::replace(&mut self.line_too_long, false) {
            return;
        }
        if line.is_empty() {
            return self.end_event(out);
        }
        self.event_bytes += line.len() + 1;
        if self.event_bytes > MAX_EVENT_BYTES {
            self.event_too_long = true;
        }
        if self.event_too_long {
            return;
        }
        let line = String::from_utf8_lossy(&line);
        if line.starts_with(':') {
            out.push(SseItem::Comment);
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "event" => self.name = Some(value.into()),
            "data" => self.has_data = true,
            _ => {}
        }
    }

    fn end_event(&mut self, out: &mut Vec<SseItem>) {
        let name = self.name.take();
        let has_data = std::mem::replace(&mut self.has_data, false);
        self.event_bytes = 0;
        if std::mem::replace(&mut self.event_too_long, false) || !has_data {
            return;
        }
        out.push(SseItem::Event(SseEvent {
            name: name
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "message".into()),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out);
        }
        out
    }

    fn event(name: &str) -> SseItem {
        SseItem::Event(SseEvent { name: name.into() })
    }

    const RELAY_STREAM: &[u8] =
        b": heartbeat\n\nid: 7\nevent: connected\ndata: {}\n\nid: 8\nevent: disconnected\ndata: {}\n\n";

    fn relay_stream_items() -> Vec<SseItem> {
        vec![SseItem::Comment, event("connected"), event("disconnected")]
    }

    #[test]
    fn the_relays_events_and_heartbeat() {
        assert_eq!(parse(&[RELAY_STREAM]), relay_stream_items());
    }

    #[test]
    fn chunks_split_anywhere_give_the_same_events() {
        for at in 0..=RELAY_STREAM.len() {
            let (a, b) = RELAY_STREAM.split_at(at);
            assert_eq!(parse(&[a, b]), relay_stream_items(), "split at {at}");
        }
        let bytes: Vec<&[u8]> = RELAY_STREAM.chunks(1).collect();
        assert_eq!(parse(&bytes), relay_stream_items());
    }

    #[test]
    fn crlf_and_cr_end_lines_too_even_split_between_chunks() {
        let crlf = b"id: 1\r\nevent: connected\r\ndata: {}\r\n\r\n";
        for at in 0..=crlf.len() {
            let (a, b) = crlf.split_at(at);
            assert_eq!(parse(&[a, b]), vec![event("connected")], "split at {at}");
        }
        assert_eq!(
            parse(&[b"event: connected\rdata: x\r\r"]),
            vec![event("connected")]
        );
    }

    #[test]
    fn fields_follow_the_standard() {
        // A `data` line without a colon still counts; an empty `event` means `message`.
        assert_eq!(
            parse(&[b"data\nevent\nretry: 10\nfoo: bar\n\n"]),
            vec![event("message")]
        );
        // The value is everything after one optional space.
        assert_eq!(
            parse(&[b"event:connected\ndata:{}\n\nevent:  connected\ndata: {}\n\n"]),
            vec![event("connected"), event(" connected")]
        );
        // `retry` and unknown fields make no event.
        assert_eq!(parse(&[b"retry: 10\nfoo: bar\nid: 4\n\n"]), vec![]);
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        assert_eq!(parse(&[b"id: 3\nevent: connected\n\n"]), vec![]);
        // Nor do its fields leak into the next one.
        assert_eq!(
            parse(&[b"id: 3\nevent: connected\n\ndata: {}\n\n"]),
            vec![event("message")]
        );
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        assert_eq!(parse(&[b"event: connected\ndata: {}\n"]), vec![]);
    }

    #[test]
    fn an_endless_line_is_dropped_without_growing_memory() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.feed(b"event: connected\ndata: ", &mut out);
        let junk = vec![b'x'; 64 * 1024];
        for _ in 0..64 {
            parser.feed(&junk, &mut out);
            assert!(parser.line.capacity() <= 2 * MAX_EVENT_BYTES);
        }
        parser.feed(b"\n\nevent: connected\ndata: {}\n\n", &mut out);
        // The oversized event is dropped whole; the stream goes on with the next.
        assert_eq!(out, vec![event("connected")]);
    }

    #[test]
    fn an_event_of_many_short_lines_past_the_cap_is_dropped() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.feed(b"event: connected\n", &mut out);
        for _ in 0..10_000 {
            parser.feed(b"data: 0123456789\n", &mut out);
        }
        parser.feed(b"\ndata: next\n\n", &mut out);
        assert_eq!(out, vec![event("message")]);
    }

    #[test]
    fn invalid_utf8_does_not_stop_the_stream() {
        assert_eq!(
            parse(&[b"event: \xff\ndata: {}\n\nevent: connected\ndata: {}\n\n"]),
            vec![event("\u{fffd}"), event("connected")]
        );
    }
}
