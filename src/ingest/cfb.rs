//! A minimal, bounded reader of compound files (MS-CFB), the container of
//! `.xls` workbooks: just enough to take the workbook stream out and measure
//! it before calamine opens the file.
//!
//! calamine follows sector chains as the file states them: a directory chain
//! that loops makes it append sectors until memory runs out, and a stream
//! that declares a huge size is read until its chain ends. This reader
//! follows the same chains, refusing any that loops or that declares more
//! bytes than the file holds, so that calamine is only handed files whose
//! chains end.

use std::fmt;

pub(super) const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids from here up are markers, not sectors (DIFSECT, FATSECT...).
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const MINI_SECTOR: usize = 64;
/// calamine reads a stream under this size from the mini stream.
const MINI_CUTOFF: u64 = 4096;

/// Why a compound file cannot be read safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfbError(String);

impl fmt::Display for CfbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, CfbError> {
    Err(CfbError(msg.into()))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

/// A compound file held in memory.
struct Cfb<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

impl<'a> Cfb<'a> {
    /// A whole sector; one that ends past the end of the file is an error
    /// (calamine panics on it: fuzz regression `cfb-sector-past-end-of-file`).
    fn sector(&self, id: u32) -> Result<&'a [u8], CfbError> {
        let start = (id as usize).saturating_add(1).saturating_mul(self.sector);
        self.bytes
            .get(start..start.saturating_add(self.sector))
            .ok_or_else(|| CfbError(format!("sector {id} lies past the end of the file")))
    }

    fn sectors_in_file(&self) -> usize {
        self.bytes.len() / self.sector
    }

    /// The sector ids of a chain; a chain that loops, or runs longer than the
    /// file has sectors, is an error.
    fn chain(&self, start: u32, what: &str) -> Result<Vec<u32>, CfbError> {
        chain(&self.fat, start, self.sectors_in_file(), what)
    }

    /// The bytes of a chain of regular sectors, at most `len`.
    fn read(&self, start: u32, len: u64, what: &str) -> Result<Vec<u8>, CfbError> {
        let mut out = Vec::new();
        for id in self.chain(start, what)? {
            if out.len() as u64 >= len {
                break;
            }
            out.extend_from_slice(self.sector(id)?);
        }
        out.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        Ok(out)
    }
}

fn chain(fat: &[u32], start: u32, bound: usize, what: &str) -> Result<Vec<u32>, CfbError> {
    let mut ids = Vec::new();
    let mut seen = vec![false; fat.len()];
    let mut id = start;
    while id != ENDOFCHAIN && id < MAXREGSECT {
        let Some(slot) = seen.get_mut(id as usize) else {
            // calamine indexes its allocation table with it, and panics.
            return err(format!("the {what} sector chain leaves the allocation table"));
        };
        if *slot {
            return err(format!("the {what} sector chain loops back on itself"));
        }
        *slot = true;
        ids.push(id);
        if ids.len() > bound.saturating_add(1) {
            return err(format!("the {what} sector chain is longer than the file"));
        }
        id = fat[id as usize];
    }
    Ok(ids)
}

/// The first stream named `names[0]`, else `names[1]`..., as calamine finds
/// it (name compared without ASCII case); `Ok(None)` when there is none.
pub fn stream(bytes: &[u8], names: &[&str]) -> Result<Option<Vec<u8>>, CfbError> {
    if bytes.len() < 512 || bytes[..8] != MAGIC {
        return err("not a compound file");
    }
    let sector = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        s => return err(format!("sector shift {s} (expected 9 or 12)")),
    };
    let mut cfb = Cfb { bytes, sector, fat: Vec::new() };
    let max_sectors = cfb.sectors_in_file();

    // The allocation table: its sectors are listed in the header (109 ids),
    // then in a chain of DIFAT sectors whose last id points to the next.
    let mut difat: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut next = u32_at(bytes, 68);
    let mut hops = 0_usize;
    while next < MAXREGSECT {
        hops += 1;
        if hops > max_sectors.saturating_add(1) {
            return err("the DIFAT sector chain is longer than the file");
        }
        let s = cfb.sector(next)?;
        let ids: Vec<u32> = s.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let Some((&last, rest)) = ids.split_last() else { break };
        difat.extend_from_slice(rest);
        next = last;
    }
    // Each sector of the table is listed once: listed again, its ids would be
    // added again (by calamine too), and a DIFAT that lists one sector over
    // and over makes a table a thousand times the size of the file.
    let mut listed = vec![false; max_sectors];
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|&id| id < DIFSECT) {
        let sector = cfb.sector(id)?;
        match listed.get_mut(id as usize) {
            Some(seen) if *seen => return err(format!("the DIFAT lists allocation table sector {id} twice")),
            Some(seen) => *seen = true,
            None => return err(format!("the DIFAT lists sector {id}, past the end of the file")),
        }
        fat.extend(sector.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    cfb.fat = fat;

    let dirs = cfb.read(u32_at(bytes, 48), u64::MAX, "directory")?;
    let entries: Vec<&[u8]> = dirs.chunks_exact(128).collect();
    let Some(root) = entries.first() else { return err("no root directory entry") };
    let size_of = |e: &[u8]| if sector == 512 { u64::from(u32_at(e, 120)) } else { u64_at(e, 120) };
    let name_of = |e: &[u8]| {
        let units: Vec<u16> = e[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let mut name = String::from_utf16_lossy(&units);
        if let Some(nul) = name.find('\0') {
            name.truncate(nul);
        }
        name
    };
    let file_len = bytes.len() as u64;
    let mini_fat_len = u32_at(bytes, 64);
    let (ministream, minifat) = if mini_fat_len > 0 {
        let root_len = size_of(root);
        if root_len > file_len {
            return err(format!("the mini stream declares {root_len} bytes, more than the file holds"));
        }
        let ministream = cfb.read(u32_at(root, 116), root_len, "mini stream")?;
        let minifat_bytes = cfb.read(
            u32_at(bytes, 60),
            u64::from(mini_fat_len).saturating_mul(sector as u64),
            "mini allocation table",
        )?;
        let minifat: Vec<u32> =
            minifat_bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        (ministream, minifat)
    } else {
        (Vec::new(), Vec::new())
    };

    for wanted in names {
        let Some(entry) = entries.iter().find(|e| name_of(e).eq_ignore_ascii_case(wanted)) else {
            continue;
        };
        let len = size_of(entry);
        if len > file_len {
            return err(format!("the {wanted} stream declares {len} bytes, more than the file holds"));
        }
        let start = u32_at(entry, 116);
        if len < MINI_CUTOFF {
            let mut out = Vec::new();
            for id in chain(&minifat, start, ministream.len() / MINI_SECTOR, "mini stream")? {
                let at = (id as usize).saturating_mul(MINI_SECTOR);
                let Some(mini) = ministream.get(at..at.saturating_add(MINI_SECTOR)) else {
                    return err(format!("mini sector {id} lies past the end of the mini stream"));
                };
                out.extend_from_slice(mini);
                if out.len() as u64 >= len {
                    break;
                }
            }
            out.truncate(len as usize);
            return Ok(Some(out));
        }
        return cfb.read(start, len, wanted).map(Some);
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A version-3 compound file: header, one FAT sector (id 0), one
    /// directory sector (id 1), then the stream's sectors.
    pub(crate) fn compound(name: &str, stream: &[u8], loop_dir: bool) -> Vec<u8> {
        let n = stream.len().div_ceil(512).max(1);
        let mut f = vec![0_u8; 512];
        f[..8].copy_from_slice(&MAGIC);
        f[26] = 3;
        f[28] = 0xFE;
        f[29] = 0xFF;
        f[30] = 9;
        f[32] = 6;
        f[44] = 1; // one FAT sector
        f[48..52].copy_from_slice(&1_u32.to_le_bytes()); // directory at sector 1
        f[56..60].copy_from_slice(&4096_u32.to_le_bytes());
        f[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        f[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            f[76 + 4 * i..80 + 4 * i].copy_from_slice(&0xFFFF_FFFF_u32.to_le_bytes());
        }
        f[76..80].copy_from_slice(&0_u32.to_le_bytes());
        let mut fat = vec![0xFFFF_FFFD_u32, if loop_dir { 1 } else { ENDOFCHAIN }];
        for i in 0..n {
            fat.push(if i + 1 == n { ENDOFCHAIN } else { 3 + i as u32 });
        }
        fat.resize(128, 0xFFFF_FFFF);
        f.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        let mut dir = vec![0_u8; 512];
        let entry = |d: &mut [u8], name: &str, typ: u8, start: u32, size: u32| {
            for (i, u) in name.encode_utf16().enumerate() {
                d[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            d[64] = (2 * (name.len() + 1)) as u8;
            d[66] = typ;
            d[116..120].copy_from_slice(&start.to_le_bytes());
            d[120..124].copy_from_slice(&size.to_le_bytes());
        };
        entry(&mut dir[..128], "Root Entry", 5, ENDOFCHAIN, 0);
        entry(&mut dir[128..256], name, 2, 2, stream.len() as u32);
        f.extend(dir);
        let mut data = stream.to_vec();
        data.resize(n * 512, 0);
        f.extend(data);
        f
    }

    #[test]
    fn a_stream_is_read_through_its_chain() {
        let data: Vec<u8> = (0..5000_u32).map(|i| (i % 251) as u8).collect();
        let file = compound("Workbook", &data, false);
        assert_eq!(stream(&file, &["Workbook", "Book"]), Ok(Some(data)));
        assert_eq!(stream(&file, &["Other"]), Ok(None));
    }

    #[test]
    fn a_fat_sector_listed_twice_is_refused() {
        // Every listing would add the sector's ids to the table again: a
        // DIFAT of 4 KB sectors listing one sector 1,023 times each makes a
        // table a thousand times the size of the file.
        let mut file = compound("Workbook", &[1; 5000], false);
        file[44] = 2;
        file[80..84].copy_from_slice(&0_u32.to_le_bytes());
        assert!(stream(&file, &["Workbook"]).is_err_and(|e| e.0.contains("twice")));
    }

    #[test]
    fn a_looping_directory_chain_is_refused() {
        let file = compound("Workbook", &[1; 5000], true);
        assert!(stream(&file, &["Workbook"]).is_err_and(|e| e.0.contains("loops")));
    }
}
