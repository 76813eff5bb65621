/** A character tokenizer over a fixed alphabet: one id per character. */

/**
 * The arithmetic alphabet: digits, '+', '=' and '-'. The addition task never uses '-'; it is in the
 * vocabulary from pretraining on so that examples/finetune can adapt the same model to subtraction
 * without resizing the embedding (appended last, so the other ids are unchanged).
 */
export const ARITH_VOCAB = '0123456789+=-';

/**
 * Maps characters to ids (their index in `vocab`) and back.
 * @example const tok = new CharTokenizer(); tok.decode(tok.encode('12+3=')) // '12+3='
 */
export class CharTokenizer {
  private readonly ids: Map<string, number>;

  constructor(readonly vocab: string = ARITH_VOCAB) {
    const chars = [...vocab];
    this.ids = new Map(chars.map((c, i) => [c, i]));
    if (this.ids.size !== chars.length) throw new Error(`CharTokenizer: vocab '${vocab}' repeats a character`);
  }

  get vocabSize(): number {
    return this.ids.size;
  }

  encode(text: string): number[] {
    return [...text].map((c) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new Error(`CharTokenizer.encode: '${c}' is not in the vocab '${this.vocab}'`);
      return id;
    });
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.vocab[ids[i] as number];
      if (c === undefined) throw new Error(`CharTokenizer.decode: id ${ids[i]} is outside 0..${this.vocabSize - 1}`);
      out += c;
    }
    return out;
  }

  /** What checkpoints store: enough to rebuild the tokenizer. */
  toJSON(): { type: 'char'; vocab: string } {
    return { type: 'char', vocab: this.vocab };
  }

  static fromJSON(json: { type: string; vocab: string }): CharTokenizer {
    if (json.type !== 'char') throw new Error(`CharTokenizer.fromJSON: unknown tokenizer type '${json.type}'`);
    return new CharTokenizer(json.vocab);
  }
}
