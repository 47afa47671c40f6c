//! Residents (居民): their identity numbers, and the grid worker's visits to their households.

pub mod idcard;
pub mod visit;
