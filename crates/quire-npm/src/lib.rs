//! quire-npm
