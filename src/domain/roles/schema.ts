// The roles area's GraphQL types, queries and mutations (registered on import).
export {};
