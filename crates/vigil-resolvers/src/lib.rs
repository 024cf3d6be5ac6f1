//! Process cache, user/group, container and mount resolvers.
