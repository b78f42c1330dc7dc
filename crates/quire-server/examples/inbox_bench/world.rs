//! The benchmark's world: the project's WhatsApp numbers, the contacts who have written so
//! far, and new messages from them, all from one seeded generator so runs compare.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::meta::{self, Incoming, Number};
use crate::people::People;
use crate::seed::Contact;

/// Share of contacts who write to the second number.
const SECOND_NUMBER_SHARE: f64 = 0.15;

pub struct World {
    pub rng: StdRng,
    people: People,
    pub numbers: Vec<Number>,
    /// Everyone with a conversation (or about to have one).
    pub contacts: Vec<Contact>,
    /// Counts the webhook's messages, for unique wamids.
    serial: u64,
}

impl World {
    pub fn new(numbers: Vec<Number>) -> Self {
        Self {
            rng: StdRng::seed_from_u64(20),
            people: People::new(),
            numbers,
            contacts: Vec::new(),
            serial: 0,
        }
    }

    /// A contact not seen before; answers their index in [`World::contacts`].
    pub fn new_contact(&mut self) -> usize {
        let person = self.people.next(&mut self.rng);
        let number = usize::from(self.rng.gen_bool(SECOND_NUMBER_SHARE));
        self.contacts.push(Contact { person, number });
        self.contacts.len() - 1
    }

    /// `count` new messages, each for one delivery: from a new contact with probability
    /// `new_share`, else from one of `existing` (indices into the contacts), at random.
    pub fn messages(
        &mut self,
        count: usize,
        new_share: f64,
        existing: std::ops::Range<usize>,
        sent_at_secs: i64,
    ) -> Vec<(usize, Incoming)> {
        (0..count)
            .map(|_| {
                let contact = if existing.is_empty() || self.rng.gen_bool(new_share) {
                    self.new_contact()
                } else {
                    self.rng.gen_range(existing.clone())
                };
                self.serial += 1;
                let wamid = meta::wamid(&format!("W{}", self.serial));
                (
                    contact,
                    Incoming::random(&mut self.rng, wamid, sent_at_secs, None),
                )
            })
            .collect()
    }

    /// The signed delivery of `message` from contact `contact`.
    pub fn delivery(&self, contact: usize, message: &Incoming) -> (Vec<u8>, String) {
        let contact = &self.contacts[contact];
        meta::signed_delivery(&self.numbers[contact.number], &contact.person, message)
    }
}
