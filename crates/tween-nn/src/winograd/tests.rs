use rayon::prelude::*;

use super::*;

/// Deterministic values in [-1, 1).
fn noise(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// A channels-last tensor with `real` random channels padded with zeros to `c`.
fn tensor(seed: u64, (h, w): (usize, usize), real: usize) -> (Vec<f32>, usize) {
    let c = padded(real);
    let vals = noise(seed, h * w * real);
    let mut t = vec![0.0; h * w * c];
    for px in 0..h * w {
        t[px * c..px * c + real].copy_from_slice(&vals[px * real..(px + 1) * real]);
    }
    (t, c)
}

struct Case {
    hw: (usize, usize),
    real_in: Vec<usize>,
    o: usize,
    slope: Option<f32>,
    res_scales: Vec<f32>,
    out_scale: Option<f32>,
}

fn check(case: &Case, isa: Isa, par: Par<'_>) -> f32 {
    let (h, w) = case.hw;
    let ins: Vec<(Vec<f32>, usize)> = case
        .real_in
        .iter()
        .enumerate()
        .map(|(i, &c)| tensor(10 + i as u64, case.hw, c))
        .collect();
    let inputs: Vec<Input> = ins.iter().map(|(d, c)| Input { data: d, c: *c }).collect();
    let cin: usize = case.real_in.iter().sum();
    let amp = 1.0 / (9.0 * cin as f32).sqrt();
    let weight: Vec<f32> = noise(1, case.o * cin * 9).iter().map(|v| v * amp).collect();
    let bias = noise(2, case.o);
    let slope = noise(3, case.o);
    let slopes: Vec<f32> = slope.iter().map(|s| case.slope.unwrap_or(*s)).collect();
    let scale = vec![case.out_scale.unwrap_or(1.0); case.o];
    let n = padded(case.o);
    let res: Vec<Vec<f32>> = (0..case.res_scales.len())
        .map(|i| tensor(30 + i as u64, case.hw, case.o).0)
        .collect();
    let residuals: Vec<Residual> = res
        .iter()
        .zip(&case.res_scales)
        .map(|(d, &scale)| Residual { data: d, scale })
        .collect();
    let prepared = prepare(
        &weight,
        case.o,
        &case.real_in,
        &bias,
        case.out_scale.map(|_| &scale[..]),
        Some(&slopes),
    );
    assert_eq!((prepared.k, prepared.n), (ins.iter().map(|i| i.1).sum(), n));
    let mut out = vec![f32::NAN; h * w * n];
    conv3x3_with(
        isa,
        &inputs,
        case.hw,
        &prepared.weights(),
        &residuals,
        &mut out,
        par,
    )
    .unwrap();
    let sw: Vec<f32> = weight
        .chunks(cin * 9)
        .zip(&scale)
        .flat_map(|(ch, s)| ch.iter().map(move |v| v * s))
        .collect();
    let sb: Vec<f32> = bias.iter().zip(&scale).map(|(b, s)| b * s).collect();
    let want = direct(
        &inputs,
        case.hw,
        &sw,
        &case.real_in,
        case.o,
        &sb,
        &slopes,
        &residuals,
        n,
    );
    let mut worst = 0.0f32;
    for px in 0..h * w {
        for oc in 0..n {
            let (g, e) = (out[px * n + oc], want[px * n + oc]);
            if oc >= case.o {
                assert_eq!(g, 0.0, "padding channel {oc} at pixel {px} is {g}");
            } else {
                worst = worst.max((g - e).abs());
            }
        }
    }
    worst
}

/// Reference direct convolution in the same layout, accumulated in f64.
#[allow(clippy::too_many_arguments)]
fn direct(
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    weight: &[f32],
    real_in: &[usize],
    o: usize,
    bias: &[f32],
    slope: &[f32],
    residuals: &[Residual<'_>],
    n: usize,
) -> Vec<f32> {
    let cin: usize = real_in.iter().sum();
    let mut out = vec![0.0f32; h * w * n];
    for y in 0..h {
        for x in 0..w {
            for oc in 0..o {
                let mut acc = bias[oc] as f64;
                let mut base = 0;
                for (inp, &rc) in inputs.iter().zip(real_in) {
                    for ic in 0..rc {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let (yy, xx) = (y as isize + ky - 1, x as isize + kx - 1);
                                if yy < 0 || xx < 0 || yy >= h as isize || xx >= w as isize {
                                    continue;
                                }
                                let v = inp.data[(yy as usize * w + xx as usize) * inp.c + ic];
                                let wt = weight
                                    [((oc * cin + base + ic) * 3 + ky as usize) * 3 + kx as usize];
                                acc += v as f64 * wt as f64;
                            }
                        }
                    }
                    base += rc;
                }
                let mut v = acc as f32;
                for r in residuals {
                    v += r.scale * r.data[(y * w + x) * n + oc];
                }
                if v < 0.0 {
                    v *= slope[oc];
                }
                out[(y * w + x) * n + oc] = v;
            }
        }
    }
    out
}

fn seq(n: usize, f: &(dyn Fn(usize) + Sync)) {
    (0..n).for_each(f)
}

fn par(n: usize, f: &(dyn Fn(usize) + Sync)) {
    (0..n).into_par_iter().for_each(f)
}

#[test]
fn matches_a_direct_convolution() {
    let isas = Isa::available();
    if isas.is_empty() {
        eprintln!("skipped: neither AVX-512F nor AVX2 + FMA on this CPU");
        return;
    }
    let cases = [
        // every micro-kernel width: 16, 32, 48, 64 and 64 + 32 outputs
        (1, 9, 11, vec![16], 16),
        (2, 13, 17, vec![32, 16], 32),
        (3, 8, 8, vec![64], 48),
        (4, 37, 41, vec![64], 64),
        (5, 6, 30, vec![40, 24, 8], 96),
        // channel counts that are not multiples of 16, tiny frames
        (6, 1, 1, vec![3], 5),
        (7, 4, 3, vec![90], 90),
        (8, 2, 70, vec![150], 150),
    ];
    for (i, (id, h, w, real_in, o)) in cases.into_iter().enumerate() {
        let case = Case {
            hw: (h, w),
            real_in,
            o,
            slope: [None, Some(0.2), Some(1.0)][i % 3],
            res_scales: [vec![], vec![0.2], vec![1.0, 0.5]][i % 3].clone(),
            out_scale: [None, Some(0.2)][i % 2],
        };
        let runner: Par = if i % 2 == 0 { &seq } else { &par };
        for &isa in &isas {
            let worst = check(&case, isa, runner);
            eprintln!("case {id} {isa:?}: max abs error {worst:e}");
            assert!(worst < 2e-5, "case {id} {isa:?}: max abs error {worst}");
        }
    }
}

#[test]
fn refuses_mismatched_shapes() {
    let p = prepare(&[0.0; 16 * 16 * 9], 16, &[16], &[0.0; 16], None, None);
    let x = vec![0.0; 4 * 4 * 16];
    let mut out = vec![0.0; 4 * 4 * 16];
    let one = [Input { data: &x, c: 16 }];
    let two = [Input { data: &x, c: 16 }, Input { data: &x, c: 16 }];
    let e = conv3x3(&two, (4, 4), &p.weights(), &[], &mut out, &seq).unwrap_err();
    assert!(matches!(e, WinogradError::Shape(m) if m.contains("32 channels")));
    let e = conv3x3(&one, (4, 5), &p.weights(), &[], &mut out, &seq).unwrap_err();
    assert!(matches!(e, WinogradError::Shape(m) if m.contains("input 0")));
    let short = vec![0.0; 8];
    let r = [Residual {
        data: &short,
        scale: 1.0,
    }];
    let e = conv3x3(&one, (4, 4), &p.weights(), &r, &mut out, &seq).unwrap_err();
    assert!(matches!(e, WinogradError::Shape(m) if m.contains("residual 0")));
}
