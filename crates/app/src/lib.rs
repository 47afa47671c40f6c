//! Tongxin's use-cases: the steps of reporting a case and acting on it, each a pure decision of
//! the domain turned into one atomic write of the store. The web, CLI and background jobs call
//! these; none of them writes cases directly.

pub mod cases;
pub mod evaluation;
pub mod locator;
