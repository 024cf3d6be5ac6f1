//! Vigil agent pipeline: probe -> resolvers -> rules -> serializer -> reporters.
