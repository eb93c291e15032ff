// Finds libworkgrinder with the pkg-config program (or WORKGRINDER_LIB_DIR and
// WORKGRINDER_INCLUDE_DIR for an uninstalled build tree), and measures the C
// layouts of wg_stats_t and wg_outcome_t so that a test can compare them with
// the Rust mirrors.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("workgrinder")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=WORKGRINDER_LIB_DIR");
    println!("cargo:rerun-if-env-changed=WORKGRINDER_INCLUDE_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let mut lib_dirs = Vec::new();
    let mut include_dirs = Vec::new();
    if let Ok(dir) = env::var("WORKGRINDER_LIB_DIR") {
        lib_dirs.push(dir);
        if let Ok(inc) = env::var("WORKGRINDER_INCLUDE_DIR") {
            include_dirs.push(inc);
        }
    } else {
        let libs = pkg_config(&["--libs"]).expect(
            "pkg-config could not find workgrinder: install libworkgrinder, set PKG_CONFIG_PATH, \
             or set WORKGRINDER_LIB_DIR (and WORKGRINDER_INCLUDE_DIR)",
        );
        for flag in libs.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                lib_dirs.push(dir.to_string());
            }
        }
        let cflags = pkg_config(&["--cflags"]).unwrap_or_default();
        for flag in cflags.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-I") {
                include_dirs.push(dir.to_string());
            }
        }
    }
    for dir in &lib_dirs {
        println!("cargo:rustc-link-search=native={}", dir);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
    // Dependents' build scripts see this as DEP_WORKGRINDER_LIB_DIRS (the
    // `workgrinder` crate uses it to set the same rpath on its own tests).
    println!("cargo:lib_dirs={}", lib_dirs.join(":"));
    println!("cargo:rustc-link-lib=dylib=workgrinder");

    // Measure the C layouts with the C compiler.
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let src = out_dir.join("layout.c");
    std::fs::write(
        &src,
        r#"#include <stddef.h>
#include <stdio.h>
#include <workgrinder/workgrinder.h>
#define F(t, f) printf(#t "." #f "=%zu,", offsetof(t, f))
int main(void) {
  printf("wg_stats_t=%zu,wg_outcome_t=%zu,wg_submit_opts_t=%zu,", sizeof(wg_stats_t),
         sizeof(wg_outcome_t), sizeof(wg_submit_opts_t));
  F(wg_stats_t, version); F(wg_stats_t, started); F(wg_stats_t, stopping); F(wg_stats_t, pending);
  F(wg_stats_t, batch_size_threshold); F(wg_stats_t, max_wait_seconds);
  F(wg_stats_t, lease_seconds); F(wg_stats_t, oldest_wait_seconds); F(wg_stats_t, submitted);
  F(wg_stats_t, completed); F(wg_stats_t, failed); F(wg_stats_t, cancelled);
  F(wg_stats_t, rejected); F(wg_stats_t, batches); F(wg_stats_t, inflight_items);
  F(wg_stats_t, inflight_batches); F(wg_stats_t, expired); F(wg_stats_t, admission_waits);
  F(wg_submit_opts_t, admit_timeout_seconds); F(wg_submit_opts_t, deadline_seconds);
  F(wg_outcome_t, status); F(wg_outcome_t, work_code); F(wg_outcome_t, result);
  return 0;
}
"#,
    )
    .unwrap();
    let exe = out_dir.join("layout");
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut cmd = Command::new(cc);
    for inc in &include_dirs {
        cmd.arg(format!("-I{}", inc));
    }
    let status = cmd
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("running the C compiler");
    assert!(status.success(), "compiling the layout probe failed");
    let out = Command::new(&exe)
        .output()
        .expect("running the layout probe");
    println!(
        "cargo:rustc-env=WG_C_LAYOUT={}",
        String::from_utf8_lossy(&out.stdout)
    );
}
