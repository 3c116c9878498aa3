//! Blank returns generated from the schemas, so that what the secretariat
//! sends out is guaranteed to come back machine-readable.

pub mod xml;
