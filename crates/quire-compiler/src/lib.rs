//! quire-compiler
