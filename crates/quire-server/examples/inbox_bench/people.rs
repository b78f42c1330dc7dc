//! The contacts who write to the benchmark's numbers: names from many languages, phone
//! numbers of many countries (each unique), a few with a username, and some known only by
//! their business-scoped user id, as WhatsApp gives it when a contact hides their number.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;

const FIRST_NAMES: &[&str] = &[
    "Maria",
    "José",
    "Ana",
    "Luis",
    "Carmen",
    "Juan",
    "Sofía",
    "Diego",
    "Lucía",
    "Mateo",
    "Valentina",
    "Santiago",
    "Camila",
    "Gabriel",
    "Isabela",
    "Rafael",
    "Beatriz",
    "Thiago",
    "Fernanda",
    "Pedro",
    "John",
    "Mary",
    "James",
    "Patricia",
    "Michael",
    "Jennifer",
    "David",
    "Linda",
    "William",
    "Elizabeth",
    "Olivia",
    "Noah",
    "Emma",
    "Liam",
    "Ava",
    "Ethan",
    "Mia",
    "Lukas",
    "Anna",
    "Leon",
    "Hannah",
    "Felix",
    "Lea",
    "Jonas",
    "Marie",
    "Paul",
    "Sophie",
    "Priya",
    "Rahul",
    "Aarav",
    "Ananya",
    "Vikram",
    "Deepika",
    "Arjun",
    "Kavya",
    "Rohan",
    "Neha",
    "Ken",
    "Yuki",
    "Haruto",
    "Sakura",
    "Ren",
    "Aoi",
    "Wei",
    "Li",
    "Jun",
    "Mei",
    "Chen",
    "Xin",
    "Ahmed",
    "Fatima",
    "Omar",
    "Aisha",
    "Youssef",
    "Mariam",
    "Ali",
    "Layla",
    "Hassan",
    "Nour",
    "Chinedu",
    "Ngozi",
    "Kwame",
    "Amara",
    "Tunde",
    "Zainab",
    "Emeka",
    "Adaeze",
    "Giulia",
    "Marco",
    "Francesca",
    "Alessandro",
    "Chiara",
    "Matteo",
    "Élodie",
    "Louis",
    "Camille",
    "Hugo",
    "Chloé",
    "Jules",
    "Ingrid",
    "Lars",
    "Astrid",
    "Mikael",
    "Olga",
    "Ivan",
    "Natalia",
    "Dmitri",
    "Zofia",
    "Jakub",
    "Eszter",
    "Bence",
    "Ayşe",
    "Mehmet",
    "Elif",
    "Murat",
    "Nguyen",
    "Linh",
    "Minh",
    "Siti",
    "Budi",
    "Putri",
    "Agus",
    "Tomás",
    "Inés",
];

const LAST_NAMES: &[&str] = &[
    "Lopez",
    "García",
    "Martínez",
    "Rodríguez",
    "Hernández",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Costa",
    "Pereira",
    "Almeida",
    "Ferreira",
    "Carvalho",
    "Gomes",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "White",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Patel",
    "Sharma",
    "Singh",
    "Kumar",
    "Gupta",
    "Reddy",
    "Iyer",
    "Nair",
    "Das",
    "Ito",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Hassan",
    "Hussein",
    "Mahmoud",
    "Ibrahim",
    "Khalil",
    "Haddad",
    "Mansour",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Okonkwo",
    "Balogun",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Dubois",
    "Moreau",
    "Laurent",
    "Lefebvre",
    "Girard",
    "Johansson",
    "Andersson",
    "Nilsson",
    "Ivanov",
    "Petrov",
    "Kowalski",
    "Nowak",
    "Nagy",
    "Kovács",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Tran",
    "Le",
    "Pham",
    "Wijaya",
    "Santoso",
    "Kusuma",
    "Fernández",
    "Ruiz",
    "Díaz",
    "Moreno",
];

/// Country calling codes with how many national digits follow, weighted by how often the
/// benchmark's contacts come from there.
const COUNTRIES: &[(&str, usize, u32)] = &[
    ("1", 10, 20),
    ("55", 11, 14),
    ("52", 10, 10),
    ("91", 10, 12),
    ("44", 10, 6),
    ("49", 11, 6),
    ("34", 9, 5),
    ("39", 10, 4),
    ("33", 9, 4),
    ("62", 11, 5),
    ("234", 10, 4),
    ("81", 10, 2),
    ("54", 10, 4),
    ("57", 10, 4),
];

/// A contact as their deliveries name them.
#[derive(Clone, Debug)]
pub struct Person {
    /// Their profile name.
    pub name: String,
    /// Their phone number (`wa_id`); `None` for a contact known only by user id.
    pub wa_id: Option<String>,
    /// The business-scoped user id (`US.…`), given with or instead of the number.
    pub user_id: Option<String>,
    pub username: Option<String>,
}

/// Makes unique contacts from a seeded generator.
pub struct People {
    numbers: HashSet<String>,
    made: u64,
}

impl People {
    pub fn new() -> Self {
        Self {
            numbers: HashSet::new(),
            made: 0,
        }
    }

    /// A new contact, never the same number or user id as an earlier one.
    pub fn next(&mut self, rng: &mut impl Rng) -> Person {
        self.made += 1;
        let first = *FIRST_NAMES.choose(rng).expect("names");
        let last = *LAST_NAMES.choose(rng).expect("names");
        let name = match rng.gen_range(0..100) {
            0..85 => format!("{first} {last}"),
            85..93 => first.to_owned(),
            93..97 => format!("{}. {last}", first.chars().next().unwrap_or('X')),
            _ => format!(
                "{first} {last} {}",
                ["🙂", "🌻", "⚽", "✨"].choose(rng).expect("emoji")
            ),
        };
        let handle = format!(
            "@{}{}{}",
            first.to_lowercase(),
            ["", "_", "."].choose(rng).expect("separators"),
            rng.gen_range(1..999)
        );
        // A contact who hid their number: WhatsApp names them by user id and username only.
        if rng.gen_range(0..100) < 3 {
            return Person {
                name,
                wa_id: None,
                user_id: Some(self.user_id(rng)),
                username: Some(handle),
            };
        }
        Person {
            name,
            wa_id: Some(self.number(rng)),
            user_id: (rng.gen_range(0..100) < 5).then(|| self.user_id(rng)),
            username: (rng.gen_range(0..100) < 8).then_some(handle),
        }
    }

    fn number(&mut self, rng: &mut impl Rng) -> String {
        let total: u32 = COUNTRIES.iter().map(|(_, _, weight)| weight).sum();
        loop {
            let mut pick = rng.gen_range(0..total);
            let (code, digits, _) = COUNTRIES
                .iter()
                .find(|(_, _, weight)| {
                    let hit = pick < *weight;
                    pick = pick.saturating_sub(*weight);
                    hit
                })
                .expect("a country");
            let mut number = (*code).to_owned();
            number.push(char::from(b'1' + rng.gen_range(0..9)));
            for _ in 1..*digits {
                number.push(char::from(b'0' + rng.gen_range(0..10)));
            }
            if self.numbers.insert(number.clone()) {
                return number;
            }
        }
    }

    fn user_id(&self, rng: &mut impl Rng) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let random: String = (0..10)
            .map(|_| char::from(*ALPHABET.choose(rng).expect("alphabet")))
            .collect();
        // The count keeps every id unique.
        format!("US.{random}{:06}", self.made)
    }
}

/// A piece of a first name a person would type to find someone: its first three or four
/// letters, lower case.
pub fn name_fragment(rng: &mut impl Rng) -> String {
    let name = FIRST_NAMES.choose(rng).expect("names");
    name.chars()
        .take(rng.gen_range(3..=4))
        .collect::<String>()
        .to_lowercase()
}
