//! The in-process event bus: what Z-API's connection callbacks report, fanned out to the event
//! streams of the alias whose instance it concerns, and nowhere else. Each alias keeps its last
//! few events so that a stream that reconnects with `Last-Event-ID` misses none of them.
//!
//! Replicas sharing Redis feed the bus from Redis instead ([`Bus::deliver`]): it is then open
//! only while Redis can be reached, and every stream ends when Redis is lost.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::broadcast;

use crate::config::RelayConfig;

/// Events an alias keeps for `Last-Event-ID`.
pub(crate) const RING: usize = 32;

/// Events a stream may fall behind by before it is ended; a client that stops reading costs the
/// relay this much and no more.
const CHANNEL: usize = 16;

/// What a callback reported about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Connected,
    Disconnected,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Connected => "connected",
            EventKind::Disconnected => "disconnected",
        }
    }
}

/// One event of an alias; ids increase per alias from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub id: u64,
    pub kind: EventKind,
}

struct Channel {
    ring: Mutex<Ring>,
}

struct Ring {
    // Replaced when Redis is lost: dropping the old sender ends every stream subscribed to it.
    sender: broadcast::Sender<Event>,
    last_id: u64,
    events: VecDeque<Event>,
}

impl Ring {
    fn new() -> Self {
        Self {
            sender: broadcast::channel(CHANNEL).0,
            last_id: 0,
            events: VecDeque::new(),
        }
    }

    /// Records the event and sends it to the streams, under the ring's lock, so a subscriber
    /// sees every event either in its backlog or on its receiver.
    fn push(&mut self, event: Event) {
        self.last_id = event.id;
        if self.events.len() == RING {
            self.events.pop_front();
        }
        self.events.push_back(event);
        // No receiver is not an error.
        let _ = self.sender.send(event);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Alias,
    Address,
}

/// Why no events can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoEvents {
    UnknownAlias,
    /// Events come from Redis, which cannot be reached now.
    Unavailable,
}

/// The aliases' channels, the instance ids that lead to them, and the stream counts.
pub(crate) struct Bus {
    channels: HashMap<Arc<str>, Channel>,
    aliases_by_instance: HashMap<String, Vec<Arc<str>>>,
    max_per_alias: usize,
    max_per_address: usize,
    open: Mutex<OpenStreams>,
    available: AtomicBool,
}

#[derive(Default)]
struct OpenStreams {
    by_alias: HashMap<Arc<str>, usize>,
    by_address: HashMap<IpAddr, usize>,
}

impl Bus {
    pub fn new(config: &RelayConfig) -> Self {
        let mut channels = HashMap::new();
        let mut aliases_by_instance: HashMap<String, Vec<Arc<str>>> = HashMap::new();
        for (alias, instance) in &config.instances {
            let alias: Arc<str> = alias.as_str().into();
            channels.insert(
                alias.clone(),
                Channel {
                    ring: Mutex::new(Ring::new()),
                },
            );
            aliases_by_instance
                .entry(instance.id.clone())
                .or_default()
                .push(alias);
        }
        Self {
            channels,
            aliases_by_instance,
            max_per_alias: config.webhooks.max_streams_per_alias,
            max_per_address: config.webhooks.max_streams_per_address,
            open: Mutex::default(),
            available: AtomicBool::new(true),
        }
    }

    /// A bus fed from Redis by [`Bus::deliver`], closed until [`Bus::set_available`] opens it.
    pub fn fed_from_redis(config: &RelayConfig) -> Self {
        let bus = Self::new(config);
        bus.available.store(false, Ordering::SeqCst);
        bus
    }

    /// Opens the bus, or closes it and ends every open stream.
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
        if !available {
            for channel in self.channels.values() {
                lock(&channel.ring).sender = broadcast::channel(CHANNEL).0;
            }
        }
    }

    /// Sends an event read back from Redis, with the id Redis gave it, to this process's
    /// streams of its alias.
    pub fn deliver(&self, alias: &str, event: Event) -> bool {
        let Some(channel) = self.channels.get(alias) else {
            return false;
        };
        lock(&channel.ring).push(event);
        true
    }

    /// The aliases configured with this Z-API instance id (compared exactly).
    pub fn aliases_of(&self, instance_id: &str) -> &[Arc<str>] {
        self.aliases_by_instance
            .get(instance_id)
            .map_or(&[], Vec::as_slice)
    }

    /// Records the event in the alias's ring and sends it to the alias's streams.
    pub fn publish(&self, alias: &str, kind: EventKind) -> Option<Event> {
        let channel = self.channels.get(alias)?;
        let mut ring = lock(&channel.ring);
        let event = Event {
            id: ring.last_id + 1,
            kind,
        };
        ring.push(event);
        Some(event)
    }

    /// A receiver for the alias's events and, given the id of the last event a client saw, the
    /// held events after it.
    pub fn subscribe(
        &self,
        alias: &str,
        last_seen: Option<u64>,
    ) -> Result<(Vec<Event>, broadcast::Receiver<Event>), NoEvents> {
        let channel = self.channels.get(alias).ok_or(NoEvents::UnknownAlias)?;
        let ring = lock(&channel.ring);
        // Read under the ring's lock, which `set_available` takes after clearing the flag: a
        // receiver made while the flag is set is one that an outage ends.
        if !self.available.load(Ordering::SeqCst) {
            return Err(NoEvents::Unavailable);
        }
        let receiver = ring.sender.subscribe();
        let backlog = match last_seen {
            Some(last_seen) => ring
                .events
                .iter()
                .filter(|event| event.id > last_seen)
                .copied()
                .collect(),
            None => Vec::new(),
        };
        Ok((backlog, receiver))
    }

    /// Counts a stream against both caps, or says which one is full. The stream stops counting
    /// when the returned guard is dropped.
    pub fn admit(self: &Arc<Self>, alias: &Arc<str>, client: IpAddr) -> Result<StreamSlot, Full> {
        let mut open = lock(&self.open);
        let per_alias = open.by_alias.get(alias).copied().unwrap_or(0);
        if per_alias >= self.max_per_alias {
            return Err(Full::Alias);
        }
        let per_address = open.by_address.get(&client).copied().unwrap_or(0);
        if per_address >= self.max_per_address {
            return Err(Full::Address);
        }
        *open.by_alias.entry(alias.clone()).or_default() += 1;
        *open.by_address.entry(client).or_default() += 1;
        Ok(StreamSlot {
            bus: self.clone(),
            alias: alias.clone(),
            client,
        })
    }

    /// Streams open now, all aliases together.
    #[cfg(test)]
    fn open_streams(&self) -> usize {
        lock(&self.open).by_alias.values().sum()
    }
}

/// One open stream's place under the caps.
pub(crate) struct StreamSlot {
    bus: Arc<Bus>,
    alias: Arc<str>,
    client: IpAddr,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.bus.open);
        if let Some(count) = open.by_alias.get_mut(&self.alias) {
            *count -= 1;
            if *count == 0 {
                open.by_alias.remove(&self.alias);
            }
        }
        if let Some(count) = open.by_address.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Instance;

    fn bus(max_per_alias: usize, max_per_address: usize) -> Arc<Bus> {
        let mut config = RelayConfig::new("id-a", "token-a");
        config
            .instances
            .insert("b".to_owned(), Instance::new("id-b", "token-b"));
        config.webhooks.max_streams_per_alias = max_per_alias;
        config.webhooks.max_streams_per_address = max_per_address;
        Arc::new(Bus::new(&config))
    }

    #[test]
    fn ids_increase_per_alias_and_the_ring_keeps_the_last_ones() {
        let bus = bus(10, 10);
        for _ in 0..(RING + 5) {
            bus.publish("default", EventKind::Connected);
        }
        assert_eq!(bus.publish("b", EventKind::Disconnected).unwrap().id, 1);
        let (backlog, _) = bus.subscribe("default", Some(0)).unwrap();
        assert_eq!(backlog.len(), RING);
        assert_eq!(backlog[0].id, 6);
        let (backlog, _) = bus.subscribe("default", Some(35)).unwrap();
        assert_eq!(backlog.iter().map(|e| e.id).collect::<Vec<_>>(), [36, 37]);
        let (backlog, _) = bus.subscribe("default", None).unwrap();
        assert!(backlog.is_empty());
        assert!(bus.publish("nobody", EventKind::Connected).is_none());
    }

    #[test]
    fn a_bus_fed_from_redis_opens_with_it_and_ends_its_streams_when_it_is_lost() {
        let mut config = RelayConfig::new("id-a", "token-a");
        config
            .instances
            .insert("b".to_owned(), Instance::new("id-b", "token-b"));
        let bus = Bus::fed_from_redis(&config);
        assert_eq!(
            bus.subscribe("default", None).err(),
            Some(NoEvents::Unavailable)
        );
        bus.set_available(true);
        let (_, mut receiver) = bus.subscribe("default", None).unwrap();
        let event = Event {
            id: 1_764_480_000_001,
            kind: EventKind::Connected,
        };
        assert!(bus.deliver("default", event));
        assert!(!bus.deliver("nobody", event));
        assert_eq!(receiver.try_recv(), Ok(event));
        let (backlog, _) = bus.subscribe("default", Some(0)).unwrap();
        assert_eq!(backlog, [event]);
        assert!(bus.subscribe("b", Some(0)).unwrap().0.is_empty());

        bus.set_available(false);
        assert_eq!(
            receiver.try_recv(),
            Err(broadcast::error::TryRecvError::Closed)
        );
        assert_eq!(
            bus.subscribe("default", None).err(),
            Some(NoEvents::Unavailable)
        );
        assert_eq!(
            bus.subscribe("nobody", None).err(),
            Some(NoEvents::UnknownAlias)
        );
        // What the alias held is kept for the streams that resume after the outage.
        bus.set_available(true);
        assert_eq!(bus.subscribe("default", Some(0)).unwrap().0, [event]);
    }

    #[test]
    fn instance_ids_lead_to_their_aliases_only() {
        let bus = bus(10, 10);
        assert_eq!(bus.aliases_of("id-a"), [Arc::from("default")]);
        assert_eq!(bus.aliases_of("id-b"), [Arc::from("b")]);
        assert!(bus.aliases_of("b").is_empty());
        assert!(bus.aliases_of("ID-A").is_empty());
    }

    #[test]
    fn the_caps_count_open_streams_and_free_them_on_drop() {
        let bus = bus(3, 2);
        let alias: Arc<str> = "default".into();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        let a = bus.admit(&alias, one).unwrap();
        let _b = bus.admit(&alias, one).unwrap();
        assert!(matches!(bus.admit(&alias, one), Err(Full::Address)));
        let _c = bus.admit(&alias, two).unwrap();
        assert!(matches!(bus.admit(&alias, two), Err(Full::Alias)));
        assert!(bus.admit(&"b".into(), two).is_ok());
        drop(a);
        assert_eq!(bus.open_streams(), 2);
        assert!(bus.admit(&alias, one).is_ok());
    }
}
