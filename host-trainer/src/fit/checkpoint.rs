//! Checkpoints: Keras' `BackupAndRestore`. [`Compiled::fit_with_backup`] writes the whole state
//! of training to one file after every epoch — weights, the optimizer and its per-parameter state,
//! the schedule's starting rate, early stopping's best epoch (and weights), the starting and
//! lowest losses divergence detection compares with, the seed — and, when
//! the file is there at the start, resumes from it. Shuffling and dropout draw from streams keyed
//! by seed, epoch and batch, so a resumed run ends bit-identical to one that was never stopped.

use std::path::Path;

use embednn::format::crc32;
use embednn::{
    BatchScratch, Gradient, Init, Input, Loss, Model, ModelFile, Optimizer, Output, Preprocessing,
    Trace,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{split_validation, Compiled, FitError, FitOptions, History, Progress};

/// The first eight bytes of a checkpoint.
const MAGIC: [u8; 8] = *b"ENNCKPT2";

/// The first eight bytes of the checkpoints written before divergence detection (no losses).
const MAGIC_V1: [u8; 8] = *b"ENNCKPT1";

/// What a checkpoint holds (postcard), followed by its CRC-32.
#[derive(Serialize, Deserialize)]
struct Checkpoint<O> {
    magic: [u8; 8],
    seed: u64,
    next_epoch: u64,
    initial_lr: f32,
    since_best: u64,
    /// Early stopping's best score and epoch, and its weights when they are to be restored.
    best: Option<(f64, u64, Option<Vec<u8>>)>,
    /// Divergence detection's starting and lowest losses.
    losses: Option<(f64, f64)>,
    optimizer: O,
    /// The optimizer's per-parameter state, array after array.
    state: Vec<f32>,
    /// The weights, as a model file (non-finite values kept).
    model: Vec<u8>,
}

impl<M, L, O> Compiled<M, L, O>
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Send + Sync,
    Output<M>: Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    L: Loss<Output<M>, Target = Output<M>> + Sync,
    O: Optimizer + Serialize + DeserializeOwned,
{
    /// [`Compiled::fit`] with a backup at `path` (Keras' `BackupAndRestore`): if the file exists,
    /// training resumes from it — the model, optimizer and early-stopping state it holds replace
    /// this model's — and after every epoch it is rewritten atomically. A run that is killed and
    /// started again with the same data and options ends with the same bits as one that never
    /// stopped. The file is kept at the end (a rerun then has nothing left to train); delete it
    /// to start over.
    ///
    /// Errors: those of [`Compiled::fit`], and [`FitError::Checkpoint`] for a backup that cannot
    /// be written, or one that does not decode, fails its CRC or belongs to another model type.
    pub fn fit_with_backup(
        &mut self,
        x: &[Input<M>],
        y: &[Output<M>],
        options: FitOptions<'_>,
        path: impl AsRef<Path>,
    ) -> Result<History, FitError> {
        let path = path.as_ref();
        let (train_x, train_y, val) = split_validation(x, y, options.validation)?;
        let resume = if path.exists() {
            Some(self.restore(path)?)
        } else {
            None
        };
        let mut write = |model: &Self, progress: &Progress<M>| model.backup(path, progress);
        self.fit_parts(train_x, train_y, val, &options, resume, &mut write)?
            .into_result(options.on_non_finite)
    }

    fn backup(&self, path: &Path, progress: &Progress<M>) -> Result<(), FitError> {
        let fail = |reason: String| FitError::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        let mut state = Vec::new();
        self.trainer
            .for_each_state_slice(&mut |s| state.extend_from_slice(s));
        let best = match &progress.best {
            Some((score, epoch, weights)) => {
                let weights = weights.as_deref().map(model_bytes).transpose();
                Some((*score, *epoch as u64, weights.map_err(fail)?))
            }
            None => None,
        };
        let checkpoint = Checkpoint {
            magic: MAGIC,
            seed: self.seed,
            next_epoch: progress.next_epoch as u64,
            initial_lr: progress.initial_lr,
            since_best: progress.since_best as u64,
            best,
            losses: progress.losses.map(|l| (l.start, l.lowest)),
            optimizer: &self.trainer.optimizer,
            state,
            model: model_bytes(&*self.model).map_err(fail)?,
        };
        let mut bytes = postcard::to_stdvec(&checkpoint).map_err(|e| fail(e.to_string()))?;
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(e.to_string()))?;
        std::io::Write::write_all(&mut file, &bytes).map_err(|e| fail(e.to_string()))?;
        file.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
        file.persist(path).map_err(|e| fail(e.error.to_string()))?;
        Ok(())
    }

    fn restore(&mut self, path: &Path) -> Result<Progress<M>, FitError> {
        let fail = |reason: String| FitError::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let (body, crc) = bytes
            .split_last_chunk::<4>()
            .ok_or_else(|| fail("too short to be a checkpoint".into()))?;
        if u32::from_le_bytes(*crc) != crc32(body) {
            return Err(fail("the CRC does not match: the file is damaged".into()));
        }
        if body.starts_with(&MAGIC_V1) {
            return Err(fail(
                "an older version wrote it (ENNCKPT1, without divergence detection's losses): \
                 delete it to start over"
                    .into(),
            ));
        }
        let checkpoint: Checkpoint<O> =
            postcard::from_bytes(body).map_err(|e| fail(format!("does not decode: {e}")))?;
        if checkpoint.magic != MAGIC {
            return Err(fail("not an embednn checkpoint".into()));
        }
        let load = |bytes: &[u8]| -> Result<Box<M>, FitError> {
            let mut model = self.model.clone();
            ModelFile::load_into(&mut *model, bytes)
                .map_err(|e| fail(format!("its weights do not fit this model: {e}")))?;
            Ok(model)
        };
        let model = load(&checkpoint.model)?;
        let best = match checkpoint.best {
            Some((score, epoch, weights)) => {
                let weights = weights.as_deref().map(load).transpose()?;
                Some((score, epoch as usize, weights))
            }
            None => None,
        };
        let mut expected = 0;
        self.trainer
            .for_each_state_slice(&mut |s| expected += s.len());
        if checkpoint.state.len() != expected {
            return Err(fail(format!(
                "it holds {} optimizer values, this optimizer has {expected}",
                checkpoint.state.len()
            )));
        }
        let mut values = checkpoint.state.iter();
        self.trainer.for_each_state_slice_mut(&mut |s| {
            for (v, &c) in s.iter_mut().zip(&mut values) {
                *v = c;
            }
        });
        self.model = model;
        self.trainer.optimizer = checkpoint.optimizer;
        self.seed = checkpoint.seed;
        Ok(Progress {
            next_epoch: checkpoint.next_epoch as usize,
            initial_lr: checkpoint.initial_lr,
            best,
            since_best: checkpoint.since_best as usize,
            losses: checkpoint
                .losses
                .map(|(start, lowest)| super::RunLosses { start, lowest }),
        })
    }
}

/// The model's weights as a model file (NaN and infinities kept: a checkpoint records what is).
fn model_bytes<M: Model>(model: &M) -> Result<Vec<u8>, String> {
    let pre = Preprocessing::default();
    let len = ModelFile::<M>::encoded_len(&pre).ok_or("the model cannot be stored")?;
    let mut bytes = vec![0; len];
    let n =
        ModelFile::write_keeping_non_finite(model, &pre, &mut bytes).map_err(|e| e.to_string())?;
    bytes.truncate(n);
    Ok(bytes)
}
