package eduplatform

// Prefix is where the app mounts the dialect.
const Prefix = "/api/v1/users"
