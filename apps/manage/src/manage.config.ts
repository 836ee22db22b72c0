import { BrokerConfig } from '@app/messaging';
import { IsInt, Matches, Max, Min } from 'class-validator';

export class ManageConfig extends BrokerConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  MANAGE_PORT: number = 8082;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  MANAGE_DATABASE_URL: string = 'postgres://manage@127.0.0.1:5432/manage';
}
