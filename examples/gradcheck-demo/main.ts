/**
 * `pnpm --filter examples gradcheck-demo`: how to test your own differentiable code with gradcheck.
 *
 * 1. A correct composite passes (full Jacobian and fast mode).
 * 2. A custom op whose hand-written backward is wrong in one element is caught, and the report
 *    names the input and the element.
 * 3. gradgradcheck checks second derivatives.
 * 4. Why the check runs in float64: the same finite differences in float32 are noise.
 * 5. checkGrads checks both modes (forward against central differences, reverse against forward)
 *    to second order, and catches a wrong forward-mode rule.
 */
import { checkGrads, customJvp, customVjp, gradcheck, gradgradcheck } from '@webgrad/autograd';
import { randn, type Tensor, tensor, where } from '@webgrad/tensor';

const x = randn([3, 4], { seed: 1, dtype: 'float64' });
const w = randn([4, 2], { seed: 2, dtype: 'float64' });

// 1. A small MLP-like composite: tanh(x @ w) summed with a softmax term.
const net = (x: Tensor, w: Tensor) => x.matmul(w).tanh().add(x.matmul(w).softmax(1)).sum();
const full = await gradcheck(net, [x, w]);
const fast = await gradcheck(net, [x, w], { fastMode: true });
console.log(`1. correct function:   full Jacobian ok=${full.ok} (max abs error ${full.maxAbsError.toExponential(2)}),`);
console.log(`                       fast mode (v^T J u) ok=${fast.ok}`);

// 2. softplus written as a custom op with a deliberately wrong backward at element [1, 2].
const badMask = tensor(
  Array.from({ length: 12 }, (_, i) => i === 6),
  { shape: [3, 4] },
);
const softplus = customVjp(
  (x: Tensor) => x.softplus(),
  (g: Tensor, _out: Tensor, x: Tensor) => {
    const right = g.mul(x.sigmoid());
    return [where(badMask, right.mul(1.1), right)]; // 10% off at one element
  },
);
const bad = await gradcheck((x: Tensor) => softplus(x).sum(), [x]);
console.log(`\n2. wrong custom backward: ok=${bad.ok}`);
console.log(bad.message.replace(/^/gm, '   '));

// 3. Second derivatives of the composite.
const second = await gradgradcheck((x: Tensor) => x.tanh().mul(x).sum(), [x]);
console.log(`\n3. gradgradcheck of sum(x * tanh(x)): ok=${second.ok}`);

// 4. Central differences of exp at 1 with eps = 1e-6, in both precisions.
const f32 = (v: number) => Math.fround(Math.exp(Math.fround(v)));
const eps = 1e-6;
const numeric32 = (f32(1 + eps) - f32(1 - eps)) / (2 * eps);
const numeric64 = (Math.exp(1 + eps) - Math.exp(1 - eps)) / (2 * eps);
console.log('\n4. d/dx exp(x) at x = 1 is e = 2.718281828...');
console.log(`   central difference in float64: ${numeric64.toFixed(9)}`);
console.log(
  `   central difference in float32: ${numeric32.toFixed(9)}  <- rounding noise; gradcheck promotes inputs to float64`,
);

// 5. Both modes, to second order; then softplus with a forward rule that forgets a factor.
const both = await checkGrads(net, [x, w], { order: 2 });
console.log(`\n5. checkGrads (fwd and rev, order 2) of the composite: ok=${both.ok}, ${both.checks.length} checks`);
const softplusJvp = customJvp(
  (x: Tensor) => x.softplus(),
  ([t]) => (t as Tensor).mul(0.5), // should be t * sigmoid(x)
  { name: 'softplus' },
);
const wrongFwd = await checkGrads((x: Tensor) => softplusJvp(x).sum(), [x], { order: 1 });
console.log(`   wrong forward rule: ok=${wrongFwd.ok}`);
console.log(wrongFwd.message.replace(/^/gm, '   '));
