/**
 * `pnpm demo`: a short tour of webgrad. Builds a few tensors, runs ops on the CPU backend
 * (and on WebGPU when an adapter is available), and prints the results.
 */
import { arange, randn, tensor } from '@webgrad/tensor';

async function main(): Promise<void> {
  console.log('webgrad demo\n');
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = arange(6).reshape(3, 2).cast('float32');
  console.log('a =', await a.array());
  console.log('b = arange(6).reshape(3, 2) =', await b.array());
  console.log('a @ b =', await a.matmul(b).array());
  console.log('a + [10, 20, 30] (broadcast) =', await a.add(tensor([10, 20, 30])).array());
  console.log('a.T (a view, no copy) =', await a.transpose().array());
  console.log('softmax(a, axis 1) =', await a.softmax(1).array());
  console.log('a.sum(0) =', await a.sum(0).array(), ' a.max(1) =', await a.max(1).array());
  const x = randn([2, 4], { seed: 42 });
  console.log('randn([2, 4], { seed: 42 }) =', await x.array());
}

await main();
