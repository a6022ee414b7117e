//! A seeded synthetic local authority (to be written).
