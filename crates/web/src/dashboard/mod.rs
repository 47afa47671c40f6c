//! The leaders' dashboard (`/dashboard`): cases per day, open cases by category, 三率 ranking and
//! the heat map, each with a table view and an xlsx export.

pub mod pages;

pub use pages::routes;
