//! JavaScript errors: an exception taken out of the engine as a [`JsError`] (its name, message
//! and stack, and whether memory ran out), and the place in the user's file it came from.

use rquickjs::{CatchResultExt, CaughtError, Ctx, Function, Value};

use crate::meter::Trip;
use crate::shim::{self, IS_OUT_OF_MEMORY, MODULE_NAME};

/// An exception taken out of the engine.
#[derive(Debug, Clone, Default)]
pub struct JsError {
    pub name: String,
    pub message: String,
    pub stack: String,
    /// The engine could not even report the error (for example out of memory).
    pub uncaught_internal: bool,
    /// The engine ran out of memory: see [`JsError::from_caught`].
    pub out_of_memory: bool,
    /// The limit the interrupt handler enforced, if that is what stopped the code.
    pub trip: Option<Trip>,
}

impl JsError {
    /// Takes the exception apart. Out of memory is told by the exception itself, never by its
    /// text: `QuickJS` throws its own `InternalError` ("out of memory", or no message if even that
    /// string could not be allocated), which the shim recognises by its realm's original
    /// prototype, so an error a function makes up with the same words is not one; and when it
    /// cannot allocate even that error object, it throws `null`. A function that throws `null`
    /// itself is therefore reported as out of memory too (and its isolate discarded).
    pub fn from_caught<'js>(ctx: &Ctx<'js>, caught: CaughtError<'js>) -> Self {
        match caught {
            CaughtError::Exception(exception) => {
                let name = exception
                    .get::<_, Option<String>>("name")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "Error".to_owned());
                let message = exception.message().unwrap_or_default();
                let out_of_memory = match shim::entry(ctx, IS_OUT_OF_MEMORY) {
                    // The check allocates nothing: if it fails all the same, memory is gone
                    // (unless the interrupt handler stopped it).
                    Some(check) => check
                        .call::<_, bool>((exception.clone(),))
                        .unwrap_or_else(|_| !ctx.catch().is_uncatchable_error()),
                    // The shim is not loaded yet (its own code throws no InternalError).
                    None => name == "InternalError" && message == "out of memory",
                };
                Self {
                    name,
                    message,
                    stack: exception.stack().unwrap_or_default(),
                    uncaught_internal: false,
                    out_of_memory,
                    trip: None,
                }
            }
            CaughtError::Value(value) => Self {
                name: "Error".to_owned(),
                message: describe_value(ctx, &value),
                stack: String::new(),
                uncaught_internal: value.is_null(),
                out_of_memory: value.is_null(),
                trip: None,
            },
            CaughtError::Error(err) => Self {
                name: "InternalError".to_owned(),
                message: err.to_string(),
                stack: String::new(),
                uncaught_internal: true,
                out_of_memory: matches!(err, rquickjs::Error::Allocation),
                trip: None,
            },
        }
    }

    pub fn is_out_of_memory(&self) -> bool {
        self.out_of_memory
    }

    /// Line and column of the first frame in the user's file.
    pub fn location(&self) -> Option<(u32, u32)> {
        user_location(&self.stack)
    }
}

/// Line and column of the first frame of `stack` in the user's file.
pub fn user_location(stack: &str) -> Option<(u32, u32)> {
    let at = stack.find(&format!("{MODULE_NAME}:"))? + MODULE_NAME.len() + 1;
    let mut parts = stack[at..].split(|c: char| !c.is_ascii_digit());
    let line = parts.next()?.parse().ok()?;
    let column = parts.next()?.parse().ok()?;
    Some((line, column))
}

fn describe_value<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    let string: Option<Function> = ctx.globals().get("String").ok();
    string
        .and_then(|f| f.call::<_, String>((value.clone(),)).ok())
        .unwrap_or_else(|| "a thrown value".to_owned())
}

/// The exception `err` stands for, taken out of the engine.
pub fn caught(ctx: &Ctx<'_>, err: rquickjs::Error) -> JsError {
    match Err::<(), _>(err).catch(ctx) {
        Err(caught) => JsError::from_caught(ctx, caught),
        Ok(()) => JsError::default(),
    }
}
