//! The shared kernel: types every feature uses and none owns — roles and scopes, the region
//! tree, phone numbers and their masking, bounded texts, time (the clock, UTC+8, the working
//! calendar) and the audit chain. A feature module may depend on the kernel; the kernel depends
//! on no feature.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod mask;
pub mod period;
pub mod phone;
pub mod ratio;
pub mod region;
pub mod text;
