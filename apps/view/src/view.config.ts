import { BrokerConfig } from '@app/messaging';
import { IsInt, Matches, Max, Min } from 'class-validator';

export class ViewConfig extends BrokerConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  VIEW_PORT: number = 8084;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  VIEW_DATABASE_URL: string = 'postgres://view@127.0.0.1:5432/view';
}
