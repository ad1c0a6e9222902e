//! Compile-time error messages that show numbers, on stable Rust.
//!
//! A `const` panic accepts a `&str` argument (`panic!("{}", msg)`) but cannot format integers, so
//! a layer's size check writes its message, digits included, into a byte buffer at compile time
//! and panics with that: the compiler then prints e.g. "`OH = 5` is wrong … write `OH = 4`".

/// A short ASCII message assembled in a `const` context (longer text is cut off, not an error).
pub(crate) struct Message {
    buf: [u8; Message::CAPACITY],
    len: usize,
}

impl Message {
    const CAPACITY: usize = 512;

    /// An empty message.
    pub(crate) const fn new() -> Self {
        Message {
            buf: [0; Message::CAPACITY],
            len: 0,
        }
    }

    /// Appends `s`.
    pub(crate) const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < Message::CAPACITY {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends `n` in decimal.
    pub(crate) const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < Message::CAPACITY {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    /// Appends a shape as `[8, 4, 2]`.
    pub(crate) const fn shape(mut self, dims: &[usize]) -> Self {
        self = self.str("[");
        let mut i = 0;
        while i < dims.len() {
            if i > 0 {
                self = self.str(", ");
            }
            self = self.num(dims[i]);
            i += 1;
        }
        self.str("]")
    }

    /// The text so far.
    pub(crate) const fn as_str(&self) -> &str {
        let (text, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(s) => s,
            // Only reachable if a multi-byte character was cut at the capacity.
            Err(_) => "(size check failed; message not representable)",
        }
    }

    /// Stops compilation with this message (when evaluated in a `const`).
    #[track_caller]
    pub(crate) const fn fail(self) -> ! {
        panic!("{}", self.as_str())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn formats_numbers_and_shapes() {
        const M: Message = Message::new()
            .str("OH = ")
            .num(0)
            .str(", ")
            .num(1234567)
            .str(" ")
            .shape(&[8, 4, 2]);
        assert_eq!(M.as_str(), "OH = 0, 1234567 [8, 4, 2]");
        assert_eq!(
            Message::new().num(usize::MAX).as_str(),
            "18446744073709551615"
        );
    }

    #[test]
    fn long_text_is_cut_not_rejected() {
        let mut m = Message::new();
        let mut i = 0;
        while i < 100 {
            m = m.str("0123456789");
            i += 1;
        }
        assert_eq!(m.as_str().len(), Message::CAPACITY);
    }
}
