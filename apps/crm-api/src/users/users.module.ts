import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminSeeder } from './admin-seeder';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [AuthModule],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, AdminSeeder],
  exports: [UsersService, UsersRepository],
})
export class UsersModule {}
