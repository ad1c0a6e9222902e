//! What every firmware here needs on a Cortex-M running under QEMU: counting instructions with
//! SysTick, measuring the stack by painting, checking outputs against golden tables, and exiting
//! with a status the host sees (semihosting).
#![no_std]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod golden;
pub mod instructions;
pub mod stack;

pub use cortex_m_semihosting::hprintln as println;

/// Ends the program: QEMU exits with status 0 when `success`, 1 otherwise.
pub fn exit(success: bool) -> ! {
    use cortex_m_semihosting::debug;
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Not reached under QEMU; on a board without a debugger attached, stop here.
    loop {
        cortex_m::asm::wfi();
    }
}

/// The core peripherals, or a failed exit if something already took them.
pub fn peripherals() -> cortex_m::Peripherals {
    match cortex_m::Peripherals::take() {
        Some(p) => p,
        None => {
            println!("error: core peripherals already taken");
            exit(false)
        }
    }
}

/// An `f32` printed in the shortest form that reads back to the same bits, in scientific notation
/// when very small or very large, and padded to the formatter's width.
pub struct Num(pub f32);

impl core::fmt::Display for Num {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use core::fmt::Write;
        struct Buf {
            bytes: [u8; 48],
            len: usize,
        }
        impl Write for Buf {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                let end = self.len + s.len();
                let dst = self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?;
                dst.copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        let mut buf = Buf {
            bytes: [0; 48],
            len: 0,
        };
        let v = self.0;
        let a = if v < 0.0 { -v } else { v };
        if a != 0.0 && !(1e-4..1e7).contains(&a) {
            write!(buf, "{:e}", v)?;
        } else {
            write!(buf, "{}", v)?;
        }
        let s = buf
            .bytes
            .get(..buf.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("?");
        f.pad(s)
    }
}
