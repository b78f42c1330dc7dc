//! quire-test-utils
