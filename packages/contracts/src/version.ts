/** Version of the application protocol carried in every envelope's `v`. Bump on a breaking wire change. */
export const PROTOCOL_VERSION = 2 as const;

/** Version of the product, reported by `--version` and in executor hellos. */
export const PRODUCT_VERSION = '1.0.0';
