import { isPlainText } from './plain-text';

describe('isPlainText', () => {
  it.each(["x'); DROP TABLE rental;--", '<script>alert(1)</script>', ' spaced ', 'Zoë 🙂', '😀'.repeat(64)])('accepts %j', (value) => {
    expect(isPlainText(value, 1, 64)).toBe(true);
  });

  it.each([
    ['a NUL byte', 'nul\u0000byte'],
    ['a line break', 'a\r\nb'],
    ['an ANSI escape', '\u001b[31mred'],
    ['a lone surrogate', 'lone-\ud800-half'],
    ['65 characters', 'x'.repeat(65)],
    ['64 hearts with their variation selectors (128 characters)', '\u2764\ufe0f'.repeat(64)],
    ['an empty string', ''],
    ['a number', 42],
  ])('refuses %s', (_name, value) => {
    expect(isPlainText(value, 1, 64)).toBe(false);
  });
});
