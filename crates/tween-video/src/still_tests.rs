use super::*;
use image::ImageFormat;

fn rgb8(w: u32, h: u32) -> Frame {
    Frame::from_u8(
        w,
        h,
        (0..w * h * 3)
            .map(|i| ((i * 37 + i / 7) % 256) as u8)
            .collect(),
    )
}

/// 16-bit samples that are not 8-bit values scaled by 257 (so a depth loss shows).
fn rgb16(w: u32, h: u32) -> Frame {
    Frame::from_u16(
        w,
        h,
        (0..w * h * 3).map(|i| (i * 4099 + 13) as u16).collect(),
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A minimal CRC-32 (PNG chunks), to forge headers.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn eight_bit_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.png");
    let f = rgb8(17, 9);
    write_png(&p, &f, None).unwrap();
    let got = read_image(&p).unwrap();
    assert_eq!(got.frame, f);
    assert!(got.alpha.is_none());
    // Atomic write: nothing but the final file is left.
    assert_eq!(files_in(dir.path()), ["a.png"]);
}

#[test]
fn sixteen_bit_round_trip_keeps_every_bit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep.png");
    let f = rgb16(13, 11);
    write_png(&p, &f, None).unwrap();
    let got = read_image(&p).unwrap();
    assert!(got.frame.is_high_depth());
    assert_eq!(got.frame, f);
}

#[test]
fn alpha_round_trips_at_both_depths() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (7u32, 5u32);
    let a8 = Alpha::new(
        w,
        h,
        AlphaSamples::U8((0..w * h).map(|i| (i * 9) as u8).collect()),
    )
    .unwrap();
    let a16 = Alpha::new(
        w,
        h,
        AlphaSamples::U16((0..w * h).map(|i| (i * 1777 + 1) as u16).collect()),
    )
    .unwrap();
    for (frame, alpha) in [(rgb8(w, h), &a8), (rgb16(w, h), &a16)] {
        let p = dir.path().join("alpha.png");
        write_png(&p, &frame, Some(alpha)).unwrap();
        let got = read_image(&p).unwrap();
        assert_eq!(got.frame, frame);
        assert_eq!(got.alpha.as_ref(), Some(alpha));
        assert!(!alpha.is_opaque());
    }
    // An 8-bit plane on a 16-bit frame is widened (×257), exactly.
    let p = dir.path().join("mixed.png");
    write_png(&p, &rgb16(w, h), Some(&a8)).unwrap();
    let AlphaSamples::U16(back) = read_image(&p).unwrap().alpha.unwrap().samples().clone() else {
        panic!("16-bit file read back with 8-bit alpha")
    };
    let AlphaSamples::U8(orig) = a8.samples() else {
        unreachable!()
    };
    assert!(back.iter().zip(orig).all(|(&b, &o)| b == o as u16 * 257));
}

#[test]
fn alpha_goes_through_a_gray_frame_and_back() {
    let a = Alpha::new(4, 3, AlphaSamples::U16((0..12).map(|i| i * 5000).collect())).unwrap();
    let g = a.to_gray_frame();
    assert!(g.is_high_depth());
    assert_eq!((g.width(), g.height()), (4, 3));
    assert_eq!(Alpha::from_gray_frame(&g), a);
    assert!(Alpha::new(4, 3, AlphaSamples::U8(vec![0; 11])).is_none());
    assert!(Alpha::new(2, 1, AlphaSamples::U8(vec![255; 2]))
        .unwrap()
        .is_opaque());
}

#[test]
fn other_formats_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let f = rgb8(24, 16);
    let Pixels::U8(raw) = f.pixels() else {
        unreachable!()
    };
    let buf = image::RgbImage::from_raw(24, 16, raw.clone()).unwrap();
    for (name, fmt, lossless) in [
        ("a.bmp", ImageFormat::Bmp, true),
        ("a.tiff", ImageFormat::Tiff, true),
        ("a.webp", ImageFormat::WebP, true),
        ("a.jpg", ImageFormat::Jpeg, false),
    ] {
        let p = dir.path().join(name);
        buf.save_with_format(&p, fmt).unwrap();
        let got = read_image(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((got.frame.width(), got.frame.height()), (24, 16), "{name}");
        assert!(!got.frame.is_high_depth(), "{name}");
        if lossless {
            assert_eq!(got.frame, f, "{name}");
        }
    }
    // 16-bit TIFF stays 16-bit.
    let Pixels::U16(raw16) = rgb16(6, 4).pixels().clone() else {
        unreachable!()
    };
    let p = dir.path().join("deep.tif");
    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(6, 4, raw16.clone())
        .unwrap()
        .save_with_format(&p, ImageFormat::Tiff)
        .unwrap();
    assert_eq!(read_image(&p).unwrap().frame, Frame::from_u16(6, 4, raw16));
    // Gray becomes RGB with equal channels.
    let p = dir.path().join("gray.png");
    image::GrayImage::from_raw(3, 1, vec![0, 100, 255])
        .unwrap()
        .save(&p)
        .unwrap();
    assert_eq!(
        read_image(&p).unwrap().frame,
        Frame::from_u8(3, 1, vec![0, 0, 0, 100, 100, 100, 255, 255, 255])
    );
}

#[test]
fn wrong_extension_is_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("really-a-png.jpg");
    let f = rgb8(5, 4);
    write_png(&p, &f, None).unwrap();
    assert_eq!(read_image(&p).unwrap().frame, f);
}

#[test]
fn corrupt_and_unknown_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.dat");
    std::fs::write(&text, b"this is not an image at all, just some words").unwrap();
    let e = read_image(&text).unwrap_err();
    assert!(matches!(e, VideoError::NotAnImage { .. }), "{e:?}");
    assert!(e.to_string().contains("notes.dat"), "{e}");

    // Garbage under a .png name: taken as PNG, and refused as corrupt.
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, [0x42u8; 300]).unwrap();
    let e = read_image(&fake).unwrap_err();
    assert!(
        matches!(
            e,
            VideoError::Corrupt { .. } | VideoError::NotAnImage { .. }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("fake.png"), "{e}");

    let e = read_image(&dir.path().join("missing.png")).unwrap_err();
    assert!(matches!(e, VideoError::NotFound { .. }), "{e:?}");
}

#[test]
fn truncated_png_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.png");
    // Noise compresses poorly, so the pixel data spans most of the file.
    write_png(&p, &rgb16(64, 64), None).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let e = read_image(&p).unwrap_err();
    assert!(matches!(e, VideoError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("cut.png"), "{e}");
}

#[test]
fn oversized_images_are_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    // A real 40000×1 image: past the 32768 side limit.
    let wide = dir.path().join("wide.png");
    image::RgbImage::new(40_000, 1).save(&wide).unwrap();
    let e = read_image(&wide).unwrap_err();
    assert!(matches!(e, VideoError::ImageTooLarge { .. }), "{e:?}");
    assert!(
        e.to_string().contains("wide.png") && e.to_string().contains("32768"),
        "{e}"
    );

    // A tighter pixel budget.
    let small = dir.path().join("small.png");
    write_png(&small, &rgb8(100, 100), None).unwrap();
    let limits = ImageLimits {
        max_side: 1000,
        max_pixels: 5000,
    };
    let e = read_image_with_limits(&small, &limits).unwrap_err();
    assert!(e.to_string().contains("100x100"), "{e}");
    assert!(read_image_with_limits(
        &small,
        &ImageLimits {
            max_side: 100,
            max_pixels: 10_000
        }
    )
    .is_ok());

    // A decompression bomb: a tiny file whose header claims 30000×30000
    // (9·10^8 pixels, over 2^28) is refused without allocating.
    let bomb = dir.path().join("bomb.png");
    write_png(&bomb, &rgb8(1, 1), None).unwrap();
    let mut b = std::fs::read(&bomb).unwrap();
    // IHDR data sits at bytes 16..29, its CRC at 29..33 (after the 8-byte signature).
    b[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    b[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    std::fs::write(&bomb, &b).unwrap();
    let e = read_image(&bomb).unwrap_err();
    assert!(matches!(e, VideoError::ImageTooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("30000x30000"), "{e}");
}

/// Writes into `b` (a small image file of format `fmt`) a header declaring
/// `w`×`h`, leaving the pixel data as it is.
fn forge_size(fmt: ImageFormat, b: &mut [u8], w: u32, h: u32) {
    let at = |pat: &[u8]| b.windows(pat.len()).position(|x| x == pat).unwrap();
    match fmt {
        ImageFormat::Png => {
            b[16..20].copy_from_slice(&w.to_be_bytes());
            b[20..24].copy_from_slice(&h.to_be_bytes());
            let crc = crc32(&b[12..29]);
            b[29..33].copy_from_slice(&crc.to_be_bytes());
        }
        ImageFormat::Jpeg => {
            // SOF0: FF C0, length, precision, height, width (big-endian).
            let i = at(&[0xff, 0xc0]);
            b[i + 5..i + 7].copy_from_slice(&(h as u16).to_be_bytes());
            b[i + 7..i + 9].copy_from_slice(&(w as u16).to_be_bytes());
        }
        ImageFormat::Bmp => {
            b[18..22].copy_from_slice(&(w as i32).to_le_bytes());
            b[22..26].copy_from_slice(&(h as i32).to_le_bytes());
        }
        ImageFormat::WebP => {
            // VP8L: signature 0x2f, then 14 bits width-1 and 14 bits height-1.
            let i = at(b"VP8L") + 9;
            let old = u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
            let v = (old & 0xf000_0000) | (w - 1) | ((h - 1) << 14);
            b[i..i + 4].copy_from_slice(&v.to_le_bytes());
        }
        ImageFormat::Tiff => {
            // The first IFD's ImageWidth (256) and ImageLength (257) entries.
            let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
            let n = u16::from_le_bytes([b[ifd], b[ifd + 1]]) as usize;
            for e in (0..n).map(|k| ifd + 2 + 12 * k) {
                let tag = u16::from_le_bytes([b[e], b[e + 1]]);
                let kind = u16::from_le_bytes([b[e + 2], b[e + 3]]);
                let v = match tag {
                    256 => w,
                    257 => h,
                    _ => continue,
                };
                match kind {
                    3 => b[e + 8..e + 10].copy_from_slice(&(v as u16).to_le_bytes()),
                    _ => b[e + 8..e + 12].copy_from_slice(&v.to_le_bytes()),
                }
            }
        }
        ImageFormat::Gif => {
            b[6..8].copy_from_slice(&(w as u16).to_le_bytes());
            b[8..10].copy_from_slice(&(h as u16).to_le_bytes());
        }
        other => unreachable!("{other:?}"),
    }
}

#[test]
fn every_format_s_declared_size_is_checked_from_its_header_alone() {
    let dir = tempfile::tempdir().unwrap();
    let limits = ImageLimits {
        max_side: 32_768,
        max_pixels: 1 << 26,
    };
    let gif = {
        // GIF is not compiled in: a 1×1 one, byte by byte.
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        g.extend([0, 0, 0, 255, 255, 255]);
        g.extend(b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;");
        g
    };
    for (fmt, name, w, h) in [
        (ImageFormat::Png, "bomb.png", 16_000, 16_000),
        (ImageFormat::Jpeg, "bomb.jpg", 20_000, 20_000),
        (ImageFormat::Bmp, "bomb.bmp", 20_000, 20_000),
        (ImageFormat::WebP, "bomb.webp", 16_000, 16_000),
        (ImageFormat::Tiff, "bomb.tif", 20_000, 20_000),
        (ImageFormat::Gif, "bomb.gif", 20_000, 20_000),
    ] {
        let path = dir.path().join(name);
        if fmt == ImageFormat::Gif {
            std::fs::write(&path, &gif).unwrap();
        } else {
            image::RgbImage::new(16, 8)
                .save_with_format(&path, fmt)
                .unwrap();
        }
        let small = check_image_header(&path, &limits).unwrap();
        let expect = if fmt == ImageFormat::Gif {
            (1, 1)
        } else {
            (16, 8)
        };
        assert_eq!(small, Some(expect), "{name}");
        let mut b = std::fs::read(&path).unwrap();
        forge_size(fmt, &mut b, w, h);
        std::fs::write(&path, &b).unwrap();
        assert!(b.len() < 4096, "{name}: {} bytes", b.len());
        let e = check_image_header(&path, &limits).unwrap_err();
        assert!(
            matches!(e, VideoError::ImageTooLarge { .. }),
            "{name}: {e:?}"
        );
        let m = e.to_string();
        assert!(m.contains(name) && m.contains(&format!("{w}x{h}")), "{m}");
        assert!(m.contains(&(1u64 << 26).to_string()), "{m}");
        // Under a limit that allows it, the header says the forged size.
        let roomy = ImageLimits {
            max_side: u32::MAX,
            max_pixels: u64::MAX,
        };
        assert_eq!(
            check_image_header(&path, &roomy).unwrap(),
            Some((w, h)),
            "{name}"
        );
        if fmt != ImageFormat::Gif {
            let e = read_image_with_limits(&path, &limits).unwrap_err();
            assert!(
                matches!(e, VideoError::ImageTooLarge { .. }),
                "{name}: {e:?}"
            );
        }
    }
    // Not an image: nothing to say (the caller asks FFmpeg).
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not a picture").unwrap();
    assert_eq!(check_image_header(&text, &limits).unwrap(), None);
    let e = check_image_header(&dir.path().join("missing.png"), &limits).unwrap_err();
    assert!(matches!(e, VideoError::NotFound { .. }), "{e:?}");
}

#[test]
fn write_errors_are_clear_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let f = rgb8(4, 4);
    let a = Alpha::new(3, 3, AlphaSamples::U8(vec![1; 9])).unwrap();
    let e = write_png(&dir.path().join("x.png"), &f, Some(&a)).unwrap_err();
    assert!(
        e.to_string().contains("3x3") && e.to_string().contains("4x4"),
        "{e}"
    );

    let e = write_png(&dir.path().join("no/such/dir/x.png"), &f, None).unwrap_err();
    assert!(matches!(e, VideoError::OutputDirMissing { .. }), "{e:?}");

    let e = write_png(
        &dir.path().join("empty.png"),
        &Frame::from_u8(0, 0, vec![]),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("0x0"), "{e}");

    // The final name is taken by a folder: the rename fails, the temporary goes.
    std::fs::create_dir(dir.path().join("taken.png")).unwrap();
    let e = write_png(&dir.path().join("taken.png"), &f, None).unwrap_err();
    assert!(matches!(e, VideoError::Write { .. }), "{e:?}");
    assert_eq!(files_in(dir.path()), ["taken.png"]);
}

#[test]
fn overwrites_an_existing_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.png");
    write_png(&p, &rgb16(30, 30), None).unwrap();
    let f = rgb8(2, 2);
    write_png(&p, &f, None).unwrap();
    assert_eq!(read_image(&p).unwrap().frame, f);
}
