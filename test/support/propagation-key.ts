/**
 * The `PROPAGATION_KEY` of the test runs (vitest.config.ts and vitest.keystone.config.ts bind it as a
 * secret would be), and a second key for rotation tests. Test-only values: never deploy them.
 * No imports, so that the Vitest configs can read it in Node.
 * @module
 */

/** 32 bytes, base64, as `head -c 32 /dev/urandom | base64` prints them. */
export const TEST_PROPAGATION_KEY = "CTqWoVEs6EiUKyAl6eIARNmJi6PHZx0ACK/AReg+pXQ=";

/** Another key: "the previous one" in rotation tests, or a stranger's. */
export const OTHER_PROPAGATION_KEY = "F0Y8j4rTs48OjDDY84sP0tlz283PZMxXeoaZ48eOB9Y=";
