//! art32: batch processing of the returns of States parties to the United
//! Nations Convention against Transnational Organized Crime and its Protocols
//! under article 32(5).
//!
//! One module per stage of the pipeline (see [`pipeline`]):
//! [`discover`] -> [`ingest`] -> [`bind`] -> [`normalize`] -> [`validate`] ->
//! [`resolve`] -> [`derive`] -> [`check`] -> [`emit`].
#![deny(missing_docs)]

pub mod bind;
pub mod cache;
pub mod check;
pub mod cli;
pub mod cycle;
pub mod derive;
pub mod diagnose;
pub mod discover;
pub mod emit;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod provenance;
pub mod record;
pub mod redact;
pub mod resolve;
pub mod schema;
pub mod template;
pub mod validate;

/// A hash map for keys looked up on every cell, answer or file (vocabulary
/// lookups, folds, question ids, the reducer's and the cache's indexes):
/// foldhash instead of SipHash, which was about 3% of a cold run. Each map
/// is seeded at random, as std's are, so that crafted keys cannot be made to
/// collide; nothing iterates one of these maps into an output.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
