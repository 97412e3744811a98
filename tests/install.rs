//! An installed or copied binary finds its model with no `--model`, from any working directory:
//! beside the binary (`../share/triplex/models/default`, `models/default`), the user data dir,
//! or `TRIPLEX_MODEL`; `--version` names the model it found.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODEL_NAME: &str = "triplex-minilm-l6-v3";

fn shipped_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

/// A copy of the release binary at `exe`.
fn install_binary(exe: &Path) {
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_triplex"), exe).unwrap();
}

/// Moves the model copy at `from` to `to` (one copy of 50 MB serves every case).
fn move_model(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(from, to).unwrap();
}

/// Runs `exe` from `cwd` with a clean model environment: no TRIPLEX_MODEL, an empty user data dir.
fn run_in(exe: &Path, cwd: &Path, data_home: &Path, args: &[&str], model_env: Option<&Path>) -> Output {
    let mut c = Command::new(exe);
    c.args(args).current_dir(cwd).env_remove("TRIPLEX_MODEL").env("XDG_DATA_HOME", data_home);
    if let Some(m) = model_env {
        c.env("TRIPLEX_MODEL", m);
    }
    c.output().unwrap()
}

fn version(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_copied_binary_finds_its_model_beside_it_in_the_data_dir_or_through_triplex_model() {
    let d = tempfile::tempdir().unwrap();
    let (root, cwd, data_home) = (d.path(), d.path().join("elsewhere"), d.path().join("xdg-data"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&data_home).unwrap();
    let model = root.join("model-copy");
    std::fs::create_dir_all(&model).unwrap();
    for f in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(shipped_model().join(f), model.join(f)).unwrap();
    }
    let input = cwd.join("in.txt");
    std::fs::write(&input, "The Malian army took control of Anefis on Monday, the military said.").unwrap();
    // What the in-tree binary writes for this input, with the shipped model named explicitly.
    let expected = Command::new(env!("CARGO_BIN_EXE_triplex")).args(["extract", "in.txt", "--quiet", "--model"]).arg(shipped_model()).current_dir(&cwd).output().unwrap();
    assert!(expected.status.success(), "{}", String::from_utf8_lossy(&expected.stderr));

    // A Unix prefix: PREFIX/bin/triplex and PREFIX/share/triplex/models/default.
    let prefix_exe = root.join("prefix/bin/triplex");
    install_binary(&prefix_exe);
    let prefix_model = root.join("prefix/share/triplex/models/default");
    move_model(&model, &prefix_model);
    let v = version(&run_in(&prefix_exe, &cwd, &data_home, &["--version"], None));
    assert!(v.contains(MODEL_NAME) && v.contains("prefix/bin/../share/triplex/models/default"), "{v}");
    let out = run_in(&prefix_exe, &cwd, &data_home, &["extract", "in.txt", "--quiet"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, expected.stdout, "same records as with --model");
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rec["entities"].as_array().unwrap().iter().any(|e| e["text"] == "Anefis"), "{rec}");

    // An unpacked archive: DIR/triplex and DIR/models/default.
    let flat_exe = root.join("flat/triplex");
    install_binary(&flat_exe);
    let flat_model = root.join("flat/models/default");
    move_model(&prefix_model, &flat_model);
    let v = version(&run_in(&flat_exe, &cwd, &data_home, &["--version"], None));
    assert!(v.contains("flat/models/default"), "{v}");

    // TRIPLEX_MODEL comes before the places beside the binary; a wrong one is an error (exit 2).
    let env_model = root.join("env-model");
    move_model(&flat_model, &env_model);
    let v = version(&run_in(&flat_exe, &cwd, &data_home, &["--version"], Some(&env_model)));
    assert!(v.contains("env-model"), "{v}");
    let out = run_in(&flat_exe, &cwd, &data_home, &["extract", "in.txt", "--quiet"], Some(&env_model));
    assert_eq!(out.stdout, expected.stdout);
    let out = run_in(&flat_exe, &cwd, &data_home, &["extract", "in.txt", "--quiet"], Some(&root.join("no-such-model")));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TRIPLEX_MODEL") && err.contains("no-such-model"), "{err}");

    // The user data dir (XDG_DATA_HOME/triplex/models/default on Linux) when nothing is beside the binary.
    if cfg!(target_os = "linux") {
        move_model(&env_model, &data_home.join("triplex/models/default"));
        let v = version(&run_in(&flat_exe, &cwd, &data_home, &["--version"], None));
        assert!(v.contains("xdg-data/triplex/models/default"), "{v}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_flag_definitions() {
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_triplex")).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let bash = run(&["completions", "bash"]);
    assert!(bash.contains("_triplex()") && bash.contains("--sqlite") && bash.contains("--emit"), "{bash}");
    let man = run(&["man"]);
    assert!(man.starts_with(".ie") || man.contains(".TH triplex"), "{man}");
    assert!(man.contains("extract") && man.contains("TRIPLEX_MODEL"), "{man}");
}
