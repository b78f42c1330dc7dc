//! quire-functions
