import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';
export const ADMIN_ONLY = 'auth:admin-only';

/** Open to anyone without a token: health, metrics. Everything else needs one. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only a caller whose token says `role: admin`; anyone else gets 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
