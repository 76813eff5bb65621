import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { valueAndGrad } from '@webgrad/autograd';
import {
  crossEntropy,
  functionalCall,
  GPT,
  type GPTConfig,
  loadGPT2,
  loadSafetensors,
  saveGPT2,
  saveSafetensors,
} from '@webgrad/nn';
import { randint, type Tensor } from '@webgrad/tensor';
import { afterAll, expect, it } from 'vitest';
import { cleanup, describeWithPython, readResult, runPython, tempDir } from './python.js';

afterAll(cleanup);

/** max |a - b| / (1 + max |b|): an error relative to the scale of the reference. */
function relErr(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    err = Math.max(err, Math.abs((x[i] as number) - (y[i] as number)));
    scale = Math.max(scale, Math.abs(y[i] as number));
  }
  return err / (1 + scale);
}

describeWithPython('GPT against torch and transformers', () => {
  it('our GPT and its torch mirror agree on logits, loss and every gradient', async () => {
    const dir = tempDir('gpt');
    const config: GPTConfig = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, gelu: 'tanh', seed: 3 };
    const model = new GPT(config);
    for (const [name, p] of model.namedParameters()) if (name.endsWith('bias')) p.assign(p.add(0.02));
    const idx = randint(0, 13, [3, 8], { seed: 1 });
    const targets = randint(0, 13, [3, 8], { seed: 2 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    await saveSafetensors(join(dir, 'weights.safetensors'), model.stateDict());
    await saveSafetensors(join(dir, 'batch.safetensors'), { idx, targets });
    runPython('gpt-check', dir);
    const ref = await loadSafetensors(join(dir, 'torch.safetensors'));

    const params = Object.fromEntries(model.namedParameters());
    const lossOf = (p: Record<string, Tensor>) => {
      const logits = functionalCall(model, p, (m) => m.forward(idx));
      return crossEntropy(logits, targets);
    };
    const [loss, grads] = valueAndGrad(lossOf)(params);
    const logitsErr = relErr(model.forward(idx), ref.logits as Tensor);
    const lossErr = relErr(loss, (ref.loss as Tensor).reshape([]));
    let gradErr = 0;
    for (const name of Object.keys(params)) {
      const e = relErr((grads as Record<string, Tensor>)[name] as Tensor, ref[`grad.${name}`] as Tensor);
      expect(e, name).toBeLessThan(1e-5);
      gradErr = Math.max(gradErr, e);
    }
    console.log(
      `interop: GPT vs torch mirror, relative error: logits ${logitsErr.toExponential(1)}, loss ${lossErr.toExponential(1)}, worst gradient ${gradErr.toExponential(1)}`,
    );
    expect(logitsErr).toBeLessThan(1e-5);
    expect(lossErr).toBeLessThan(1e-6);
  });

  it("a Hugging Face GPT2LMHeadModel loads with loadGPT2 and gives transformers' logits", async () => {
    const dir = tempDir('gpt2');
    const spec = {
      vocab_size: 50,
      n_positions: 16,
      n_embd: 24,
      n_layer: 2,
      n_head: 4,
      _ids: [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3]],
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    runPython('hf-gpt2-make', dir);
    const model = await loadGPT2(join(dir, 'checkpoint'));
    expect(model.config).toMatchObject({ vocabSize: 50, blockSize: 16, nEmbd: 24, nLayer: 2, nHead: 4, gelu: 'tanh' });
    const ref = await loadSafetensors(join(dir, 'expected.safetensors'));
    const logits = model.forward(ref.ids as Tensor);
    const err = relErr(logits, ref.logits as Tensor);
    console.log(`interop: loadGPT2 vs transformers GPT2LMHeadModel, logits relative error ${err.toExponential(1)}`);
    expect(err).toBeLessThan(1e-5);
  });

  it('transformers loads a checkpoint written by saveGPT2 and gives our logits', async () => {
    const dir = tempDir('gpt2-out');
    const model = new GPT({ vocabSize: 40, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, gelu: 'tanh', seed: 9 });
    for (const [name, p] of model.namedParameters()) if (name.endsWith('bias')) p.assign(p.add(0.03));
    await saveGPT2(model, join(dir, 'checkpoint'));
    const idx = randint(0, 40, [2, 12], { seed: 4 });
    await saveSafetensors(join(dir, 'batch.safetensors'), { idx });
    runPython('hf-gpt2-logits', dir);
    expect(readResult<{ warnings: string[] }>(dir).warnings).toEqual([]);
    const ref = await loadSafetensors(join(dir, 'torch.safetensors'));
    const err = relErr(model.forward(idx), ref.logits as Tensor);
    console.log(
      `interop: saveGPT2 -> transformers GPT2LMHeadModel.from_pretrained, logits relative error ${err.toExponential(1)}`,
    );
    expect(err).toBeLessThan(1e-5);
  });
});
