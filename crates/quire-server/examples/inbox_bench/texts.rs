//! What the benchmark's contacts write and what the team answers: a shop's customer
//! conversations, from templates with order numbers, products, places and days filled in, so
//! that words are spread as in a real inbox (some in a large share of messages, most rare).

use rand::Rng;
use rand::seq::SliceRandom;

const ASKS: &[&str] = &[
    "Hi! Where is my order #{order}?",
    "Hello, my order #{order} has not arrived yet",
    "Good morning, can I change the delivery address of order #{order}?",
    "Do you have the {color} {product} in size {size}?",
    "Is the {product} back in stock?",
    "How much is shipping to {city}?",
    "Do you ship to {city}?",
    "I want to return the {product} I bought last {day}",
    "The {product} arrived broken, can I get a replacement?",
    "Can I get a refund for order #{order}?",
    "The tracking number for #{order} does not work",
    "Can you send me the invoice for order #{order}?",
    "I was charged twice for order #{order}",
    "What time do you open on {day}?",
    "Is the store in {city} open today?",
    "Thanks, it arrived!",
    "Great, thank you so much",
    "ok",
    "Perfect 👍",
    "Can I pay with a credit card on delivery?",
    "Do you have a discount code for the {product}?",
    "My package was delivered to the wrong address in {city}",
    "When will the {color} {product} be available again?",
    "Can I pick up order #{order} at the store on {day}?",
    "The {product} is too small, can I exchange it for size {size}?",
    "Hola, ¿tienen envíos a {city}?",
    "Olá! Meu pedido #{order} ainda não chegou",
    "Bonjour, je voudrais retourner le {product}",
    "Hallo, wann kommt meine Bestellung #{order}?",
    "Any update on my order?",
    "I need to cancel order #{order}, sorry",
    "Where can I leave a review?",
    "The voucher code does not work at checkout",
    "Can I add a gift message to order #{order}?",
    "Is there a warranty on the {product}?",
];

const ANSWERS: &[&str] = &[
    "Hi! Order #{order} left our warehouse this morning and should arrive on {day}.",
    "Thanks for writing! Let me check order #{order} for you.",
    "Of course, send us the new address and we will update order #{order}.",
    "Yes, the {color} {product} is back in size {size}.",
    "Sorry, the {product} is sold out; we expect more on {day}.",
    "Shipping to {city} takes 3 to 5 business days.",
    "We do ship to {city}! Shipping is free above 50.",
    "You can return the {product} within 30 days; we sent you a return label.",
    "So sorry about that! A replacement {product} goes out today.",
    "Your refund for order #{order} is on its way: 3 to 5 days to show on your statement.",
    "Here is the new tracking link for #{order}.",
    "The invoice for order #{order} is in your e-mail now.",
    "We refunded the second charge for #{order}, sorry for the trouble.",
    "We open at 9 on {day}.",
    "Yes, our store in {city} is open until 8 pm today.",
    "You are welcome! Have a great day.",
    "Happy to help 🙂",
    "Cash on delivery is available in {city}.",
    "Use WELCOME10 for 10% off the {product}.",
    "Order #{order} is cancelled; the refund follows in a few days.",
    "We cannot reach the courier today; we will write again tomorrow morning.",
];

const PRODUCTS: &[&str] = &[
    "jacket",
    "mug",
    "sneakers",
    "backpack",
    "t-shirt",
    "hoodie",
    "umbrella",
    "lamp",
    "teapot",
    "scarf",
    "wallet",
    "headphones",
    "blender",
    "sofa cover",
    "yoga mat",
    "water bottle",
    "phone case",
    "desk chair",
    "rain boots",
    "sunglasses",
];
const COLORS: &[&str] = &[
    "blue", "black", "red", "green", "white", "grey", "yellow", "pink",
];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "38", "40", "42", "44"];
const CITIES: &[&str] = &[
    "São Paulo",
    "Mexico City",
    "Madrid",
    "Berlin",
    "London",
    "Mumbai",
    "Lagos",
    "Toronto",
    "Buenos Aires",
    "Jakarta",
    "Lisbon",
    "Bogotá",
    "Lyon",
    "Milan",
    "Osaka",
    "Chicago",
];
const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Words of the texts above for a search, from frequent (`order`) to rare (`umbrella`).
pub const SEARCH_WORDS: &[&str] = &[
    "order", "refund", "tracking", "invoice", "umbrella", "teapot", "warranty", "lisbon",
    "voucher", "cancel",
];

fn fill(template: &str, rng: &mut impl Rng) -> String {
    let mut text = template.to_owned();
    for (slot, choices) in [
        ("{product}", PRODUCTS),
        ("{color}", COLORS),
        ("{size}", SIZES),
        ("{city}", CITIES),
        ("{day}", DAYS),
    ] {
        if text.contains(slot) {
            text = text.replace(slot, choices.choose(rng).expect("choices"));
        }
    }
    if text.contains("{order}") {
        text = text.replace("{order}", &rng.gen_range(1000..99_999).to_string());
    }
    text
}

/// A contact's message text.
pub fn ask(rng: &mut impl Rng) -> String {
    fill(ASKS.choose(rng).expect("asks"), rng)
}

/// A team member's answer.
pub fn answer(rng: &mut impl Rng) -> String {
    fill(ANSWERS.choose(rng).expect("answers"), rng)
}

/// A photo's caption, sometimes none.
pub fn caption(rng: &mut impl Rng) -> Option<String> {
    let captions = [
        "the box arrived like this",
        "this one, in {color}",
        "my receipt",
        "the {product} I mean",
        "it does not fit",
    ];
    rng.gen_bool(0.5)
        .then(|| fill(captions.choose(rng).expect("captions"), rng))
}

/// A document's file name.
pub fn filename(rng: &mut impl Rng) -> String {
    let names = [
        "invoice-{order}.pdf",
        "receipt_{order}.pdf",
        "return-form.pdf",
        "photo-{order}.jpg",
    ];
    fill(names.choose(rng).expect("names"), rng)
}

/// A place a contact shares: its name and address.
pub fn place(rng: &mut impl Rng) -> (String, String) {
    let city = CITIES.choose(rng).expect("cities");
    (
        format!("Store pickup point {}", rng.gen_range(1..40)),
        format!(
            "{} {}, {city}",
            rng.gen_range(1..2000),
            [
                "Main Street",
                "Avenida Paulista",
                "Calle Mayor",
                "Hauptstraße"
            ]
            .choose(rng)
            .expect("streets")
        ),
    )
}
