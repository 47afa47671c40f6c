//! 三率 (响应率, 解决率, 满意率): monthly rankings of units, their export and the weights.

pub mod api;

pub use api::routes;
