import { Matches, ValidateIf } from 'class-validator';

const AMQP_URL = /^amqps?:\/\/[^:@/]+:[^@/]+@.+/;
const AMQP_URL_MESSAGE = '$property must be an amqp:// URL with the user and password db:setup gives that app';

/**
 * db:setup's own settings: the administrative accounts it creates the apps' users, databases and
 * broker topology with, and each app's broker account. The apps never get the administrators:
 * each connects as the user its own URL names.
 */
export class DbSetupConfig {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  POSTGRES_ADMIN_URL: string = 'postgres://postgres@127.0.0.1:5432/postgres';

  @Matches(/^(mysql|mariadb):\/\/.+/, { message: '$property must be a mysql:// URL' })
  MARIADB_ADMIN_URL: string = 'mysql://root@127.0.0.1:3306/';

  /** RabbitMQ's management API, with an administrator's user and password. */
  @Matches(/^https?:\/\/[^:@/]+:[^@/]+@.+/, {
    message: '$property must be an http(s):// URL with the user and password of an administrator',
  })
  RABBITMQ_ADMIN_URL: string = 'http://guest:guest@127.0.0.1:15672';

  // Each app's broker account (brokerUrlVariableOf): the launchers hand it to that app as AMQP_URL.
  // Development passwords; production sets all four in the Secret.
  @Matches(AMQP_URL, { message: AMQP_URL_MESSAGE })
  RENTAL_AMQP_URL: string = 'amqp://rental:dev-rental-broker@127.0.0.1:5672';

  @Matches(AMQP_URL, { message: AMQP_URL_MESSAGE })
  MANAGE_AMQP_URL: string = 'amqp://manage:dev-manage-broker@127.0.0.1:5672';

  @Matches(AMQP_URL, { message: AMQP_URL_MESSAGE })
  ASSIGN_AMQP_URL: string = 'amqp://assign:dev-assign-broker@127.0.0.1:5672';

  @Matches(AMQP_URL, { message: AMQP_URL_MESSAGE })
  VIEW_AMQP_URL: string = 'amqp://view:dev-view-broker@127.0.0.1:5672';

  /**
   * KEDA's broker account, which only reads queue depths (Kubernetes scales manage, assign and view
   * on them). Empty, as everywhere but Kubernetes: no such user.
   */
  @ValidateIf((config: DbSetupConfig) => config.KEDA_AMQP_URL !== '')
  @Matches(AMQP_URL, { message: '$property must be empty or an amqp:// URL with the user and password db:setup gives KEDA' })
  KEDA_AMQP_URL: string = '';

  /**
   * The operators' broker account (the ops toolbox in Kubernetes), which reads the dead letters and
   * re-drives them (opsBrokerPermissions). Empty, as everywhere but Kubernetes: no such user; there
   * `npm run ops` connects with AMQP_URL, the administrator's.
   */
  @ValidateIf((config: DbSetupConfig) => config.OPS_AMQP_URL !== '')
  @Matches(AMQP_URL, { message: '$property must be empty or an amqp:// URL with the user and password db:setup gives the operators' })
  OPS_AMQP_URL: string = '';
}
