// One advisory lock serialises every writer of signing_keys across instances, so that two
// instances starting together create one key per alg and two rotations cannot interleave.
// ASCII "keys"; other locks in the service must use other numbers.
export const SIGNING_KEYS_LOCK = 0x6b657973;
