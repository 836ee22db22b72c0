import { Matches } from 'class-validator';

/**
 * db:setup's own settings: the administrative accounts it creates the apps' users and databases
 * with. The apps never get them: each connects as the user its own URL names.
 */
export class DbSetupConfig {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  POSTGRES_ADMIN_URL: string = 'postgres://postgres@127.0.0.1:5432/postgres';

  @Matches(/^(mysql|mariadb):\/\/.+/, { message: '$property must be a mysql:// URL' })
  MARIADB_ADMIN_URL: string = 'mysql://root@127.0.0.1:3306/';
}
