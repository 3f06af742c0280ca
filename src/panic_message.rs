//! The message of a caught panic, in one place.
//!
//! `std::panic::catch_unwind` hands back the panic's payload as a
//! `Box<dyn Any + Send>`. A `panic!("...")` with a literal carries a
//! `&'static str`, one with format arguments a `String`; anything else (a
//! `std::panic::panic_any(42)`) has no text. Every model that catches
//! panics (the generator, the greenlet, the gevent hub and its may variant,
//! the aio loop) turns the payload into words with this one function, so
//! a learner reads the same message whichever model caught it.
#![forbid(unsafe_code)]

use std::any::Any;

/// What a payload that carries no text is called.
pub const NON_STRING_PAYLOAD: &str = "a panic with a non-string payload";

/// The text of a caught panic's payload.
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
/// assert_eq!(corolab::panic_message::of(&*caught), "boom 1");
/// let caught = std::panic::catch_unwind(|| std::panic::panic_any(7)).unwrap_err();
/// assert_eq!(corolab::panic_message::of(&*caught), corolab::panic_message::NON_STRING_PAYLOAD);
/// ```
pub fn of(payload: &dyn Any) -> String {
    as_str(payload).unwrap_or(NON_STRING_PAYLOAD).to_string()
}

/// The text of a caught panic's payload, borrowed, when it has one.
pub fn as_str(payload: &dyn Any) -> Option<&str> {
    payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_formatted_payloads_give_their_text() {
        let literal: Box<dyn Any + Send> = Box::new("plain");
        let formatted: Box<dyn Any + Send> = Box::new(String::from("formatted 2"));
        assert_eq!(of(&*literal), "plain");
        assert_eq!(as_str(&*formatted), Some("formatted 2"));
    }

    #[test]
    fn other_payloads_are_named_as_such() {
        let number: Box<dyn Any + Send> = Box::new(42_u32);
        assert_eq!(as_str(&*number), None);
        assert_eq!(of(&*number), NON_STRING_PAYLOAD);
    }
}
