export const STORAGE_SIZES = ['S', 'M', 'L', 'XL'] as const;
export type StorageSize = (typeof STORAGE_SIZES)[number];
