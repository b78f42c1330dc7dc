//! The terminal's input modes for `quire login` (a password typed without echo) and `quire
//! dev` (one key at a time, no Enter). Output is left as it is, so lines print as usual; the
//! old mode comes back when the guard is dropped.

use std::io::IsTerminal as _;

use rustix::termios::{LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

/// Restores standard input's terminal mode when dropped.
pub struct InputMode {
    saved: Option<Termios>,
}

impl InputMode {
    /// Standard input without echo; with `keys`, also without line editing: each key is read
    /// as it is pressed. Does nothing when standard input is not a terminal.
    pub fn set(keys: bool) -> Self {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Self { saved: None };
        }
        let Ok(saved) = tcgetattr(&stdin) else {
            return Self { saved: None };
        };
        let mut changed = saved.clone();
        changed.local_modes.remove(LocalModes::ECHO);
        if keys {
            changed.local_modes.remove(LocalModes::ICANON);
        }
        if tcsetattr(&stdin, OptionalActions::Now, &changed).is_err() {
            return Self { saved: None };
        }
        Self { saved: Some(saved) }
    }
}

impl Drop for InputMode {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
        }
    }
}
