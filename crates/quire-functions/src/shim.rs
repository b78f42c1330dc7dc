//! The Web API shim (`shim.js`) inside an isolate: the loader that serves its bytecode and
//! refuses every import of the function's code, and the entry points the shim registers.

use std::sync::{Arc, Mutex};

use rquickjs::loader::bundle::{Bundle, ScaBundleData};
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Array, Ctx, Function, Module};

/// The name the user's module is loaded under; stacks show `function.js:line:column`.
pub const MODULE_NAME: &str = "function.js";

/// The Web API shim, compiled to bytecode (without its source text) by `build.rs`.
static SHIM: Bundle<ScaBundleData<&[u8]>> = Bundle(&[(
    SHIM_MODULE,
    include_bytes!(concat!(env!("OUT_DIR"), "/shim.bytecode")),
)]);
/// The name the shim is loaded under (`build.rs` compiles it under the same name).
pub const SHIM_MODULE: &str = "quire:shim";

/// Loads the shim for the runtime, refuses every import of the user's code and remembers
/// what it asked for.
pub struct DenyImports(pub Arc<Mutex<Option<String>>>);

impl Resolver for DenyImports {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if name == SHIM_MODULE && base != MODULE_NAME {
            return Ok(name.to_owned());
        }
        *self.0.lock().expect("import lock") = Some(name.to_owned());
        Err(rquickjs::Error::new_resolving_message(
            base,
            name,
            "a function is a single file; imports are not available",
        ))
    }
}

impl Loader for DenyImports {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, rquickjs::module::Declared>> {
        if name == SHIM_MODULE {
            return SHIM.clone().load(ctx, name, attributes);
        }
        Err(rquickjs::Error::new_loading_message(
            name,
            "a function is a single file; imports are not available",
        ))
    }
}

/// Indexes of the shim's entry points in the array it registers (see the end of `shim.js`).
pub const RUN: usize = 0;
pub const WIRE: usize = 1;
pub const SET_HANDLER: usize = 2;
pub const IS_OUT_OF_MEMORY: usize = 3;
pub const ENCODE_BINARY: usize = 4;

/// One of the shim's entry points, kept in the runtime's user data (not in any global, so the
/// function's code cannot reach them).
pub fn entry<'js>(ctx: &Ctx<'js>, index: usize) -> Option<Function<'js>> {
    let entries = ctx.userdata::<Array<'js>>()?.clone();
    entries.get(index).ok()
}
