//! Sizes read from a linked firmware ELF: sections (flash and static RAM) and symbols (a
//! `static`'s size), with the `object` crate.

use object::{Object, ObjectSection, ObjectSymbol};

/// The sections that occupy flash: the vector table, code, constants and `.data`'s initial values.
pub const FLASH: &[&str] = &[".vector_table", ".text", ".rodata", ".data"];
/// The sections that occupy RAM before the stack: initialized, zeroed and uninitialized statics.
pub const STATIC_RAM: &[&str] = &[".data", ".bss", ".uninit"];

/// A parsed ELF.
pub struct Elf<'a> {
    file: object::File<'a>,
}

impl<'a> Elf<'a> {
    /// Parses `bytes` (the contents of an ELF file).
    pub fn parse(bytes: &'a [u8]) -> Result<Elf<'a>, String> {
        let file = object::File::parse(bytes).map_err(|e| format!("not an ELF file: {e}"))?;
        Ok(Elf { file })
    }

    /// The total size of the sections named in `names` (absent sections count 0).
    pub fn sections_size(&self, names: &[&str]) -> u64 {
        self.file
            .sections()
            .filter(|s| s.name().is_ok_and(|n| names.contains(&n)))
            .map(|s| s.size())
            .sum()
    }

    /// Flash: the size of [`FLASH`].
    pub fn flash(&self) -> u64 {
        self.sections_size(FLASH)
    }

    /// Static RAM: the size of [`STATIC_RAM`].
    pub fn static_ram(&self) -> u64 {
        self.sections_size(STATIC_RAM)
    }

    /// The size of the first symbol whose demangled path, without its hash, is `path`
    /// (e.g. `train::TRAINER`).
    pub fn symbol_size(&self, path: &str) -> Option<u64> {
        self.file
            .symbols()
            .find(|s| s.name().is_ok_and(|n| demangle(n) == path))
            .map(|s| s.size())
    }
}

/// A Rust symbol name (legacy or v0 mangling, `_ZN5train7TRAINER17h0123456789abcdefE`) as its
/// path without the hash (`train::TRAINER`); other names unchanged.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use object::write::{Object as Writer, StandardSection, Symbol, SymbolSection};
    use object::{
        Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
    };

    /// A small ARM ELF: sections `(name, size)` and data symbols `(name, size)` in the last
    /// section.
    pub(crate) fn tiny_elf(sections: &[(&str, usize)], symbols: &[(&str, u64)]) -> Vec<u8> {
        let mut w = Writer::new(BinaryFormat::Elf, Architecture::Arm, Endianness::Little);
        let mut last = None;
        for (name, size) in sections {
            let kind = match *name {
                ".bss" | ".uninit" => SectionKind::UninitializedData,
                ".text" | ".vector_table" => SectionKind::Text,
                ".rodata" => SectionKind::ReadOnlyData,
                _ => SectionKind::Data,
            };
            let id = w.add_section(Vec::new(), name.as_bytes().to_vec(), kind);
            if kind == SectionKind::UninitializedData {
                w.append_section_bss(id, *size as u64, 4);
            } else {
                w.append_section_data(id, &vec![0; *size], 4);
            }
            last = Some(id);
        }
        let section = last.unwrap_or_else(|| w.section_id(StandardSection::Data));
        for (i, (name, size)) in symbols.iter().enumerate() {
            w.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: 4 * i as u64,
                size: *size,
                kind: SymbolKind::Data,
                scope: SymbolScope::Compilation,
                weak: false,
                section: SymbolSection::Section(section),
                flags: SymbolFlags::None,
            });
        }
        w.write().expect("writes an ELF")
    }

    #[test]
    fn section_accounting() {
        let bytes = tiny_elf(
            &[
                (".vector_table", 1024),
                (".text", 4000),
                (".rodata", 300),
                (".data", 8),
                (".bss", 4),
                (".uninit", 0),
                (".debug_info", 5000),
                (".ARM.attributes", 50),
            ],
            &[],
        );
        let elf = Elf::parse(&bytes).unwrap();
        assert_eq!(elf.flash(), 1024 + 4000 + 300 + 8);
        assert_eq!(elf.static_ram(), 8 + 4);
        assert_eq!(elf.sections_size(&[".text"]), 4000);
        assert_eq!(elf.sections_size(&[".missing"]), 0);
    }

    #[test]
    fn symbol_by_demangled_path() {
        let bytes = tiny_elf(
            &[(".bss", 64)],
            &[
                ("_ZN13gesture_train7TRAINER17h0123456789abcdefE", 40),
                ("_ZN5train7TRAINER17hfedcba9876543210E", 24),
                ("TRAINER", 1),
            ],
        );
        let elf = Elf::parse(&bytes).unwrap();
        assert_eq!(elf.symbol_size("train::TRAINER"), Some(24));
        assert_eq!(elf.symbol_size("gesture_train::TRAINER"), Some(40));
        assert_eq!(elf.symbol_size("TRAINER"), Some(1));
        assert_eq!(elf.symbol_size("other::TRAINER"), None);
    }

    #[test]
    fn not_an_elf() {
        assert!(Elf::parse(b"not an elf").is_err());
    }

    #[test]
    fn demangling() {
        assert_eq!(
            demangle("_ZN5train7TRAINER17h0123456789abcdefE"),
            "train::TRAINER"
        );
        assert_eq!(
            demangle("_ZN4core3ptr13drop_in_place17h1111111111111111E"),
            "core::ptr::drop_in_place"
        );
        // Without a hash, with escapes, and with an LLVM suffix.
        assert_eq!(demangle("_ZN3foo3barE"), "foo::bar");
        assert_eq!(
            demangle("_ZN50_$LT$T$u20$as$u20$core..convert..Into$LT$U$GT$$GT$4into17h2222222222222222E.llvm.123"),
            "<T as core::convert::Into<U>>::into"
        );
        // v0 mangling (the crate's disambiguator dropped too).
        assert_eq!(demangle("_RNvCs1234_5train7TRAINER"), "train::TRAINER");
        // Not Rust: unchanged. Malformed: unchanged.
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_ZN99shortE"), "_ZN99shortE");
        assert_eq!(demangle("_ZN3fooEx"), "_ZN3fooEx");
    }
}
