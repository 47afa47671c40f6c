//! Residents (居民) and their identity: rules about people that hold wherever they are recorded.

pub mod idcard;
