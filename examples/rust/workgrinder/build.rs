// Gives this crate's own tests, examples and doc-tests the rpath that
// workgrinder-sys found (DEP_WORKGRINDER_LIB_DIRS), so that they run against
// a library outside the loader's path without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_WORKGRINDER_LIB_DIRS");
    if let Ok(dirs) = std::env::var("DEP_WORKGRINDER_LIB_DIRS") {
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
        }
    }
}
