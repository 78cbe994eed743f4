//! Quality metrics (PSNR, SSIM). Filled in below.
