/**
 * A Node module-resolution hook for one purpose: tfjs-core's ESM build (`dist/gradients/*.js`,
 * loaded by `dist/register_all_gradients.js`) imports its siblings without file extensions, which
 * Node's ESM loader refuses. This retries such a relative import inside @tensorflow with `.js`.
 * Registered by lib/tfjs.ts (`module.register`), only when a benchmark needs tfjs gradients.
 */
type Next = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next,
): Promise<{ url: string }> {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  const inTfjs = context.parentURL?.includes('/@tensorflow/') ?? false;
  if (relative && inTfjs && !/\.[cm]?js$/.test(specifier)) return next(`${specifier}.js`, context);
  return next(specifier, context);
}
