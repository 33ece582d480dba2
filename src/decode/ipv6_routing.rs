//! The IPv6 routing header, RFC 8200 section 4.4, as tcpdump 4.99's print-rt6.c reads it.

#[cfg(test)]
pub(crate) mod fixtures {
    //! Whole routing headers named after what they exercise; shared with the packet-line
    //! tests.

    const A1: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const A2: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1];

    const fn cat<const N: usize>(head: [u8; 8], addrs: &[[u8; 16]]) -> [u8; N] {
        let mut out = [0u8; N];
        let mut i = 0;
        while i < 8 {
            out[i] = head[i];
            i += 1;
        }
        let mut a = 0;
        while a < addrs.len() && 8 + a * 16 + 16 <= N {
            let mut j = 0;
            while j < 16 {
                out[8 + a * 16 + j] = addrs[a][j];
                j += 1;
            }
            a += 1;
        }
        out
    }

    pub(crate) const RT6_TYPE0_ONE_ADDRESS: [u8; 24] = cat([6, 2, 0, 1, 0, 0, 0, 0], &[A1]);
    pub(crate) const RT6_TYPE0_RESERVED_SET: [u8; 24] = cat([6, 2, 0, 1, 0, 0, 0, 9], &[A1]);
    pub(crate) const RT6_TYPE0_ODD_LENGTH_IS_INVALID: [u8; 16] = cat([6, 1, 0, 0, 0, 0, 0, 5], &[]);
    pub(crate) const RT6_TYPE2_HOME_ADDRESS: [u8; 24] = cat([6, 2, 2, 1, 0, 0, 0, 0], &[A2]);
    pub(crate) const RT6_TYPE4_TWO_SEGMENTS: [u8; 40] =
        cat([6, 4, 4, 1, 1, 0, 0x12, 0x34], &[A1, A2]);
    pub(crate) const RT6_TYPE4_FLAGS_SET: [u8; 24] = cat([6, 2, 4, 0, 0, 0x80, 0, 0], &[A1]);
    pub(crate) const RT6_TYPE4_ODD_LENGTH_IS_INVALID: [u8; 16] = cat([6, 1, 4, 0, 0, 0, 0, 7], &[]);
    pub(crate) const RT6_UNKNOWN_TYPE: [u8; 8] = cat([6, 0, 3, 0, 0, 0, 0, 0], &[]);
    pub(crate) const RT6_ADDRESSES_CUT_OFF: [u8; 24] = cat([6, 4, 0, 2, 0, 0, 0, 0], &[A1]);
    pub(crate) const RT6_HEADER_SHORT: [u8; 2] = [6, 2];
}
